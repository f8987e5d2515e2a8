import { describe, expect, it } from 'vitest';
import { bigQueryStoredAs, storedColumnsOf } from '../bigquery/bigquery-stored-columns.js';
import { bigQueryJsonSchema } from '../dialects/bigquery-json-schema.js';
import type { Column, TableModel } from '../model/table-model.js';
import { tableNamed } from '../model/tables.js';
import { planTableMigration } from './plan-table-migration.js';

const orders = tableNamed('orders');
const stored = () => storedColumnsOf(bigQueryJsonSchema(orders));

/** The orders table with `edit` applied to a copy of its columns. */
function ordersWith(edit: (columns: Column[]) => Column[]): TableModel {
  return { ...orders, columns: edit(structuredClone([...orders.columns]) as Column[]) };
}

const optional = (name: string, type: Column['type'] = 'STRING'): Column => ({
  name,
  type,
  mode: 'NULLABLE',
  description: name,
});

describe('planTableMigration', () => {
  it('finds nothing between the model and a table made from it, whatever the type spelling or case', () => {
    const shouting = stored().map((c) => ({ ...c, name: c.name.toUpperCase() }));
    expect(planTableMigration(orders, shouting, bigQueryStoredAs)).toEqual({ additions: [], conflicts: [] });
    expect(stored().find((c) => c.name === 'items')).toMatchObject({ type: 'STRUCT', mode: 'REPEATED' });
  });

  it('adds optional columns the table lacks, at the top level and inside records, with their parents', () => {
    const model = ordersWith((columns) =>
      columns
        .map((c) =>
          c.name === 'items' ? { ...c, fields: [...c.fields!, optional('discount', 'NUMERIC')] } : c,
        )
        .concat(optional('coupon_code')),
    );
    const { additions, conflicts } = planTableMigration(model, stored(), bigQueryStoredAs);
    expect(conflicts).toEqual([]);
    expect(additions.map((a) => [a.path, a.parents.map((p) => p.name)])).toEqual([
      ['items.discount', ['items']],
      ['coupon_code', []],
    ]);
  });

  it('calls a new REQUIRED column, a retyped one and one the model lost conflicts', () => {
    const model = ordersWith((columns) =>
      columns
        .filter((c) => c.name !== 'customer_id')
        .map((c) => (c.name === 'total_amount' ? { ...c, type: 'STRING' as const } : c))
        .concat({ ...optional('channel'), mode: 'REQUIRED' }),
    );
    const { additions, conflicts } = planTableMigration(model, stored(), bigQueryStoredAs);
    expect(additions).toEqual([]);
    expect(conflicts.map((c) => `${c.path} ${c.problem}`)).toEqual([
      'total_amount is REQUIRED NUMERIC in the warehouse, the model has REQUIRED STRING',
      'channel is a new REQUIRED column: the rows already stored have no value for it',
      'customer_id is in the warehouse but not in the model (a field removed or renamed in the contract)',
    ]);
  });
});
