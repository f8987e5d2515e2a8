import { BIGQUERY_DIALECT, fillBigQueryPlaceholders } from '../dialects/bigquery-dialect.js';
import { bigQueryJsonSchema } from '../dialects/bigquery-json-schema.js';
import { viewSql } from '../dialects/view-sql.js';
import type { TableModel } from '../model/table-model.js';
import { tableNamed } from '../model/tables.js';
import type { ViewModel } from '../model/view-model.js';
import { decimalText } from './storage-row.js';
import type { TableField } from './table-field.js';

/** The `tables.insert` body of a table or view, as `Dataset.createTable()` takes it. */
export interface TableResource {
  readonly description: string;
  readonly schema?: { readonly fields: readonly TableField[] };
  readonly timePartitioning?: { readonly type: 'DAY'; readonly field: string };
  readonly clustering?: { readonly fields: readonly string[] };
  readonly view?: { readonly query: string; readonly useLegacySql: false };
}

/**
 * A table of the model as BigQuery metadata: the same JSON schema Terraform applies
 * (infra/terraform/schemas/<table>.json), daily partitioning on the model's column, and its clustering.
 */
export function tableResourceOf(table: TableModel): TableResource {
  return {
    description: table.description,
    schema: { fields: bigQueryJsonSchema(table) },
    ...(table.partitioning
      ? { timePartitioning: { type: table.partitioning.granularity, field: table.partitioning.column } }
      : {}),
    ...(table.clustering.length > 0 ? { clustering: { fields: [...table.clustering] } } : {}),
  };
}

/** The SELECT of a view in GoogleSQL, its `${project}`/`${dataset}` placeholders filled. */
export function viewQueryOf(view: ViewModel, projectId: string, datasetId: string): string {
  return fillBigQueryPlaceholders(viewSql(view, BIGQUERY_DIALECT), projectId, datasetId);
}

/** A view of the model as BigQuery metadata (the view's SELECT, GoogleSQL). */
export function viewResourceOf(view: ViewModel, projectId: string, datasetId: string): TableResource {
  return {
    description: view.description,
    view: { query: viewQueryOf(view, projectId, datasetId), useLegacySql: false },
  };
}

/** The columns of a model table, as the Storage Write API's descriptor and load jobs need them. */
export function tableFieldsOf(name: string): readonly TableField[] {
  return bigQueryJsonSchema(tableNamed(name));
}

/**
 * A row for a newline-delimited JSON load job: the table's columns only, NUMERIC as exact decimal
 * text, nulls left out (NULL). Dates and timestamps already have the text form loads accept.
 */
export function loadRowOf(fields: readonly TableField[], row: object): Record<string, unknown> {
  const values = row as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value === null || value === undefined) continue;
    const numeric = field.type === 'NUMERIC' || field.type === 'BIGNUMERIC';
    out[field.name] =
      numeric && (typeof value === 'number' || typeof value === 'bigint')
        ? decimalText(value, field.name)
        : value;
  }
  return out;
}
