import { fillBigQueryPlaceholders } from '../dialects/bigquery-dialect.js';
import { bigQueryAddColumns, bigQueryCreateTable } from '../dialects/bigquery-ddl.js';
import { planTableMigration, type SchemaConflict } from '../migration/plan-table-migration.js';
import type { SchemaStep } from '../migration/schema-migration.js';
import { ENUMERATIONS } from '../model/enumerations.js';
import type { TableModel } from '../model/table-model.js';
import { TABLES } from '../model/tables.js';
import { VIEWS } from '../model/views.js';
import { bigQueryStoredAs, storedColumnsOf } from './bigquery-stored-columns.js';
import { viewQueryOf, type TableResource } from './model-resources.js';

/** What the dataset holds, as tables.get answered for each table and view of the model. */
export interface BigQueryDatasetState {
  readonly projectId: string;
  readonly datasetId: string;
  readonly datasetExists: boolean;
  /** Per entry of TABLES, in order: its metadata, or undefined when it does not exist. */
  readonly tables: readonly (TableResource | undefined)[];
  /** Per entry of VIEWS, likewise. */
  readonly views: readonly (TableResource | undefined)[];
}

/** What ensureSchema() will do to a BigQuery dataset, planned from what it holds. */
export interface BigQuerySchemaPlan {
  readonly steps: readonly SchemaStep[];
  /** Differences a migration may not make; when any, nothing may run. */
  readonly conflicts: readonly SchemaConflict[];
  readonly addedColumns: readonly string[];
  /** Tables to create. */
  readonly tables: readonly TableModel[];
  /** Tables that get fields inside a RECORD (or a new RECORD column), by tables.patch. */
  readonly patched: readonly TableModel[];
}

/**
 * Plans the model onto a dataset: a missing table is created; an existing one gets the optional
 * columns it lacks, top-level scalar ones (and arrays of them) by ALTER TABLE … ADD COLUMN, and
 * fields inside a RECORD, or a new RECORD column, by tables.patch (BigQuery DDL cannot add a field
 * to a RECORD); a view whose query differs from the model's is replaced; the enumeration tables are
 * reloaded.
 */
export function planBigQuerySchema(state: BigQueryDatasetState): BigQuerySchemaPlan {
  const { projectId, datasetId } = state;
  const dataset = `${projectId}.${datasetId}`;
  const steps: SchemaStep[] = [];
  const conflicts: SchemaConflict[] = [];
  const addedColumns: string[] = [];
  const [tables, patched]: [TableModel[], TableModel[]] = [[], []];
  if (!state.datasetExists)
    steps.push({
      kind: 'create-dataset',
      target: dataset,
      statement: `CREATE SCHEMA IF NOT EXISTS \`${dataset}\``,
    });
  TABLES.forEach((table, i) => {
    const existing = state.tables[i];
    if (!existing) {
      tables.push(table);
      steps.push({
        kind: 'create-table',
        target: table.name,
        statement: fillBigQueryPlaceholders(bigQueryCreateTable(table), projectId, datasetId),
      });
      return;
    }
    const found = planTableMigration(table, storedColumnsOf(existing.schema?.fields ?? []), bigQueryStoredAs);
    conflicts.push(...found.conflicts);
    addedColumns.push(...found.additions.map((a) => `${table.name}.${a.path}`));
    const topLevel = found.additions.filter((a) => a.parents.length === 0 && a.column.type !== 'STRUCT');
    const nested = found.additions.filter((a) => !topLevel.includes(a));
    if (topLevel.length > 0)
      steps.push({
        kind: 'add-column',
        target: table.name,
        statement: bigQueryAddColumns(
          `\`${dataset}.${table.name}\``,
          topLevel.map((a) => a.column),
        ),
      });
    if (nested.length > 0) {
      patched.push(table);
      const added = nested.map(
        (a) => `${a.path} (${a.column.mode} ${a.column.type === 'STRUCT' ? 'RECORD' : a.column.type})`,
      );
      steps.push({
        kind: 'patch-schema',
        target: table.name,
        statement: `tables.patch ${dataset}.${table.name}: schema.fields gains ${added.join(', ')}, appended at the end of its record (BigQuery DDL cannot add fields inside a RECORD)`,
      });
    }
  });
  VIEWS.forEach((view, i) => {
    const query = viewQueryOf(view, projectId, datasetId);
    if (state.views[i]?.view?.query !== query)
      steps.push({
        kind: 'replace-view',
        target: view.name,
        statement: `CREATE OR REPLACE VIEW \`${dataset}.${view.name}\` AS\n${query}`,
      });
  });
  for (const { table, rows } of ENUMERATIONS)
    steps.push({
      kind: 'replace-rows',
      target: table.name,
      statement: `load job WRITE_TRUNCATE into ${dataset}.${table.name} (${rows.length} rows of the model)`,
    });
  return { steps, conflicts, addedColumns, tables, patched };
}
