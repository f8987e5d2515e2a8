import {
  duckDbAddColumn,
  duckDbCreateTable,
  duckDbCreateView,
  duckDbString,
  quoteIdentifier,
} from '../dialects/duckdb-ddl.js';
import { planTableMigration, type SchemaConflict } from '../migration/plan-table-migration.js';
import type { SchemaStep } from '../migration/schema-migration.js';
import type { StoredColumn } from '../migration/stored-column.js';
import { ENUMERATIONS } from '../model/enumerations.js';
import { TABLES } from '../model/tables.js';
import { VIEWS } from '../model/views.js';
import { duckDbStoredAs } from './duckdb-stored-columns.js';

/** What ensureSchema() will do to a DuckDB file, planned from what the file holds. */
export interface DuckDbSchemaPlan {
  /** Tables to create and columns to add, in the order they run (one transaction). */
  readonly tableSteps: readonly SchemaStep[];
  /** Descriptions of new columns, the views (every one is re-created), the enumeration rows. */
  readonly catalogSteps: readonly SchemaStep[];
  readonly addedColumns: readonly string[];
  /** Differences a migration may not make; when any, nothing may run. */
  readonly conflicts: readonly SchemaConflict[];
}

/**
 * Plans the model onto a DuckDB file whose tables are `stored` (see readDuckDbColumns): a missing
 * table is created, a missing optional column (nested ones too) is added with ALTER TABLE … ADD
 * COLUMN, and every view is re-created, since views list their columns and a view over a table
 * that gained one must be rebuilt to show it.
 */
export function planDuckDbSchema(stored: ReadonlyMap<string, readonly StoredColumn[]>): DuckDbSchemaPlan {
  const tableSteps: SchemaStep[] = [];
  const comments: SchemaStep[] = [];
  const addedColumns: string[] = [];
  const conflicts: SchemaConflict[] = [];
  for (const table of TABLES) {
    const columns = stored.get(table.name);
    if (!columns) {
      tableSteps.push({ kind: 'create-table', target: table.name, statement: duckDbCreateTable(table) });
      continue;
    }
    const plan = planTableMigration(table, columns, duckDbStoredAs);
    conflicts.push(...plan.conflicts);
    for (const { path, parents, column } of plan.additions) {
      addedColumns.push(`${table.name}.${path}`);
      tableSteps.push({
        kind: 'add-column',
        target: table.name,
        statement: duckDbAddColumn(table.name, parents, column),
      });
      // DuckDB keeps comments for top-level columns only; a nested field's description is in the docs.
      if (parents.length === 0)
        comments.push({
          kind: 'comment',
          target: table.name,
          statement: `COMMENT ON COLUMN ${table.name}.${quoteIdentifier(column.name)} IS ${duckDbString(column.description)}`,
        });
    }
  }
  const catalogSteps: SchemaStep[] = [
    ...comments,
    ...VIEWS.map((view) => ({
      kind: 'replace-view' as const,
      target: view.name,
      statement: duckDbCreateView(view)[0]!,
    })),
    ...ENUMERATIONS.map(({ table, rows }) => ({
      kind: 'replace-rows' as const,
      target: table.name,
      statement: `DELETE FROM ${table.name}; INSERT INTO ${table.name} … (${rows.length} rows of the model)`,
    })),
  ];
  return { tableSteps, catalogSteps, addedColumns, conflicts };
}
