import type { Column, TableModel } from '../model/table-model.js';

/** A field of a BigQuery table schema, as the API, `bq` and Terraform's `schema` argument spell it. */
export interface BigQueryField {
  readonly name: string;
  readonly type: string;
  readonly mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  readonly description: string;
  readonly fields?: readonly BigQueryField[];
}

// The API reports the legacy names (INTEGER, FLOAT, BOOLEAN, RECORD); writing the same names keeps
// Terraform from seeing a difference on every plan.
const API_TYPE: Readonly<Record<Column['type'], string>> = {
  STRING: 'STRING',
  INT64: 'INTEGER',
  NUMERIC: 'NUMERIC',
  FLOAT64: 'FLOAT',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  STRUCT: 'RECORD',
};

/** The BigQuery JSON schema of a table (infra/terraform/schemas/<table>.json). */
export function bigQueryJsonSchema(table: TableModel): BigQueryField[] {
  return table.columns.map(field);
}

function field(column: Column): BigQueryField {
  return {
    name: column.name,
    type: API_TYPE[column.type],
    mode: column.mode,
    description: column.description,
    ...(column.fields ? { fields: column.fields.map(field) } : {}),
  };
}
