import type { ViewModel } from '../model/view-model.js';
import { VIEWS } from '../model/views.js';
import type { SqlDialect } from './sql-dialect.js';

/**
 * The complete SELECT of a view in a dialect: the views it builds on become CTEs (dependencies
 * first), so the statement reads tables only. Views can then be created in any order, and a reader
 * sees the whole definition in one file.
 */
export function viewSql(view: ViewModel, dialect: SqlDialect, views: readonly ViewModel[] = VIEWS): string {
  const ctes = dependenciesOf(view, views).map(
    (dependency) => `${dependency.name} AS (\n${indent(dependency.select(dialect).trim())}\n)`,
  );
  const select = view.select(dialect).trim();
  return ctes.length === 0 ? select : `WITH ${ctes.join(',\n')}\n${select}`;
}

/** The views `view` reads, directly or not, each after the ones it reads. */
export function dependenciesOf(view: ViewModel, views: readonly ViewModel[] = VIEWS): ViewModel[] {
  const ordered: ViewModel[] = [];
  const visiting = new Set<string>();
  const visit = (name: string, from: string): void => {
    if (ordered.some((v) => v.name === name)) return;
    if (visiting.has(name)) throw new Error(`warehouse model: views ${from} and ${name} use each other`);
    const dependency = views.find((v) => v.name === name);
    if (!dependency) throw new Error(`warehouse model: view ${from} uses ${name}, which is not a view`);
    visiting.add(name);
    for (const next of dependency.uses) visit(next, name);
    visiting.delete(name);
    ordered.push(dependency);
  };
  for (const name of view.uses) visit(name, view.name);
  return ordered;
}

/** The tables a view reads (through its dependencies too), as the dialect names them. */
export function tablesReadBy(view: ViewModel, views: readonly ViewModel[] = VIEWS): string[] {
  const tables = new Set<string>();
  const recorder: SqlDialect = {
    name: 'duckdb',
    table: (name) => {
      tables.add(name);
      return name;
    },
    utcDate: (t) => t,
    minute: (t) => t,
    epochMillis: (t) => t,
    timestampLiteral: (instant) => instant.toISOString(),
    double: (e) => e,
    unnest: (array, element) => ({ join: array, element, position: element }),
  };
  for (const v of [...dependenciesOf(view, views), view]) v.select(recorder);
  return [...tables].sort();
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? `  ${line}` : line))
    .join('\n');
}
