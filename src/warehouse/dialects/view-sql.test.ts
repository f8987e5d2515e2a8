import { describe, expect, it } from 'vitest';
import type { ViewModel } from '../model/view-model.js';
import { VIEWS } from '../model/views.js';
import { BIGQUERY_DIALECT } from './bigquery-dialect.js';
import { DUCKDB_DIALECT } from './duckdb-dialect.js';
import { dependenciesOf, tablesReadBy, viewSql } from './view-sql.js';

const view = (name: string, uses: string[], select: ViewModel['select']): ViewModel => ({
  name,
  description: name,
  uses,
  columns: [],
  select,
});

describe('viewSql', () => {
  const base = view('base', [], (d) => `SELECT a FROM ${d.table('t')}`);
  const middle = view('middle', ['base'], () => 'SELECT a FROM base');
  const top = view('top', ['middle', 'base'], () => 'SELECT m.a FROM middle AS m JOIN base AS b USING (a)');
  const views = [base, middle, top];

  it('inlines the views a view uses as CTEs, each after its own dependencies', () => {
    expect(viewSql(top, DUCKDB_DIALECT, views)).toBe(
      'WITH base AS (\n  SELECT a FROM t\n),\nmiddle AS (\n  SELECT a FROM base\n)\nSELECT m.a FROM middle AS m JOIN base AS b USING (a)',
    );
    expect(viewSql(base, BIGQUERY_DIALECT, views)).toBe('SELECT a FROM `${project}.${dataset}.t`');
  });

  it('refuses views that use each other, or a view that does not exist', () => {
    const a = view('a', ['b'], () => 'SELECT 1');
    const b = view('b', ['a'], () => 'SELECT 1');
    expect(() => dependenciesOf(a, [a, b])).toThrow(/use each other/);
    expect(() =>
      dependenciesOf(
        view('c', ['nope'], () => ''),
        [],
      ),
    ).toThrow(/nope, which is not a view/);
  });

  it('reports the tables a view reads through its dependencies', () => {
    expect(tablesReadBy(top, views)).toEqual(['t']);
    expect(tablesReadBy(VIEWS.find((v) => v.name === 'conversion_funnel')!)).toEqual([
      'orders',
      'ref_activity_type',
      'ref_order_status',
      'user_activity',
    ]);
  });

  it('lists every view after the views it uses, with unique names', () => {
    const seen = new Set<string>();
    for (const v of VIEWS) {
      for (const used of v.uses) expect(seen.has(used), `${v.name} uses ${used}`).toBe(true);
      expect(seen.has(v.name)).toBe(false);
      seen.add(v.name);
    }
  });
});
