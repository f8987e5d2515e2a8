import type { Column, ColumnMode, TableModel } from '../model/table-model.js';
import type { StoredColumn } from './stored-column.js';

/** A column of the model that an existing table lacks, and that can be added to it. */
export interface ColumnAddition {
  readonly table: string;
  /** Dotted path (`coupon_code`, `items.discount`, `shipping_address.postal_code`). */
  readonly path: string;
  /** The model columns it sits in, outermost first; empty at the top level. */
  readonly parents: readonly Column[];
  readonly column: Column;
}

/** A difference between the model and an existing table that a migration may not make. */
export interface SchemaConflict {
  readonly table: string;
  readonly path: string;
  readonly problem: string;
}

/** How a warehouse stores a model column: its type and mode as {@link StoredColumn} spells them. */
export type StoredAs = (
  column: Column,
  nested: boolean,
) => { readonly type: string; readonly mode: ColumnMode };

/**
 * Compares a table of the model with the same table as the warehouse holds it, by column name
 * (case-insensitive, as both engines match names; order does not matter, since both append new
 * columns at the end), into STRUCTs too. A migration only ever adds: a model column the table lacks
 * is an addition unless it is REQUIRED (rows already stored have no value for it); everything else
 * that differs (a column of another type or mode, a column the model no longer has) is a conflict.
 */
export function planTableMigration(
  table: TableModel,
  stored: readonly StoredColumn[],
  storedAs: StoredAs,
): { additions: ColumnAddition[]; conflicts: SchemaConflict[] } {
  const additions: ColumnAddition[] = [];
  const conflicts: SchemaConflict[] = [];
  const compare = (
    model: readonly Column[],
    actual: readonly StoredColumn[],
    parents: readonly Column[],
  ): void => {
    const prefix = parents.map((p) => `${p.name}.`).join('');
    const byName = new Map(actual.map((c) => [c.name.toLowerCase(), c]));
    for (const column of model) {
      const path = prefix + column.name;
      const have = byName.get(column.name.toLowerCase());
      byName.delete(column.name.toLowerCase());
      if (!have) {
        if (column.mode === 'REQUIRED')
          conflicts.push({
            table: table.name,
            path,
            problem: 'is a new REQUIRED column: the rows already stored have no value for it',
          });
        else additions.push({ table: table.name, path, parents, column });
        continue;
      }
      const want = storedAs(column, parents.length > 0);
      if (want.type !== have.type || want.mode !== have.mode) {
        conflicts.push({
          table: table.name,
          path,
          problem: `is ${have.mode} ${have.type} in the warehouse, the model has ${want.mode} ${want.type}`,
        });
      } else if (column.fields) compare(column.fields, have.fields ?? [], [...parents, column]);
    }
    for (const extra of byName.values())
      conflicts.push({
        table: table.name,
        path: prefix + extra.name,
        problem: 'is in the warehouse but not in the model (a field removed or renamed in the contract)',
      });
  };
  compare(table.columns, stored, []);
  return { additions, conflicts };
}
