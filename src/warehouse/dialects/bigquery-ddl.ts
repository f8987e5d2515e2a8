import { ENUMERATIONS } from '../model/enumerations.js';
import type { Column, TableModel } from '../model/table-model.js';
import { TABLES } from '../model/tables.js';
import type { ViewModel } from '../model/view-model.js';
import { VIEWS } from '../model/views.js';
import { BIGQUERY_DIALECT } from './bigquery-dialect.js';
import { viewSql } from './view-sql.js';

const SCALAR: Readonly<Record<Exclude<Column['type'], 'STRUCT'>, string>> = {
  STRING: 'STRING',
  INT64: 'INT64',
  NUMERIC: 'NUMERIC',
  FLOAT64: 'FLOAT64',
  BOOL: 'BOOL',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
};

/** A BigQuery string literal. */
export function bigQueryString(text: string): string {
  // BigQuery's escapes are JSON's (\" \\ \n \uXXXX); non-ASCII text stays as UTF-8.
  return JSON.stringify(text);
}

/**
 * CREATE TABLE IF NOT EXISTS for one table, with partitioning, clustering and its description.
 * Column descriptions go in comments: node-sql-parser (which checks every statement we commit) reads
 * neither column OPTIONS(description=…) nor NOT NULL inside a STRUCT, so nested fields are left
 * NULLABLE here. The JSON schemas (infra/terraform/schemas/), which Terraform and the adapter
 * apply, carry both.
 */
export function bigQueryCreateTable(table: TableModel): string {
  const lines = [`CREATE TABLE IF NOT EXISTS ${BIGQUERY_DIALECT.table(table.name)} (`];
  lines.push(...columnLines(table.columns, '  ', true));
  lines.push(')');
  if (table.partitioning) {
    const column = table.columns.find((c) => c.name === table.partitioning!.column);
    lines.push(
      `PARTITION BY ${column?.type === 'DATE' ? table.partitioning.column : `DATE(${table.partitioning.column})`}`,
    );
  }
  if (table.clustering.length > 0) lines.push(`CLUSTER BY ${table.clustering.join(', ')}`);
  lines.push(`OPTIONS (description = ${bigQueryString(table.description)})`);
  return lines.join('\n');
}

function columnLines(columns: readonly Column[], indent: string, topLevel: boolean): string[] {
  const lines: string[] = [];
  columns.forEach((column, index) => {
    const comma = index < columns.length - 1 ? ',' : '';
    const comment = ` -- ${column.description.replace(/\s+/g, ' ')}`;
    const notNull = topLevel && column.mode === 'REQUIRED' ? ' NOT NULL' : '';
    if (column.type === 'STRUCT') {
      const [open, close] = column.mode === 'REPEATED' ? ['ARRAY<STRUCT<', '>>'] : ['STRUCT<', '>'];
      lines.push(`${indent}${column.name} ${open}`);
      lines.push(...columnLines(column.fields ?? [], `${indent}  `, false));
      lines.push(`${indent}${close}${notNull}${comma}${comment}`);
    } else {
      const type = column.mode === 'REPEATED' ? `ARRAY<${SCALAR[column.type]}>` : SCALAR[column.type];
      lines.push(`${indent}${column.name} ${type}${notNull}${comma}${comment}`);
    }
  });
  return lines;
}

/**
 * ALTER TABLE … ADD COLUMN IF NOT EXISTS for new top-level columns of an existing table, scalar or
 * arrays of scalars, with their descriptions; existing rows get NULL (or an empty array). BigQuery
 * DDL cannot add a field inside a RECORD: the adapter adds those with tables.patch.
 */
export function bigQueryAddColumns(table: string, columns: readonly Column[]): string {
  const clauses = columns.map((column) => {
    if (column.type === 'STRUCT' || column.mode === 'REQUIRED')
      throw new Error(`bigQueryAddColumns: ${column.name} is not an optional scalar column`);
    const type = column.mode === 'REPEATED' ? `ARRAY<${SCALAR[column.type]}>` : SCALAR[column.type];
    return `ADD COLUMN IF NOT EXISTS ${column.name} ${type} OPTIONS (description = ${bigQueryString(column.description)})`;
  });
  return `ALTER TABLE ${table}\n  ${clauses.join(',\n  ')}`;
}

/** CREATE OR REPLACE VIEW for one view (its SELECT is also committed alone for Terraform). */
export function bigQueryCreateView(view: ViewModel): string {
  return `CREATE OR REPLACE VIEW ${BIGQUERY_DIALECT.table(view.name)} AS\n${viewSql(view, BIGQUERY_DIALECT)}`;
}

/** The rows of every enumeration table, replaced: a DELETE and an INSERT per table. */
export function bigQueryEnumerationStatements(): string[] {
  return ENUMERATIONS.flatMap(({ table, rows }) => {
    const names = table.columns.map((c) => c.name);
    const values = rows.map(
      (row) =>
        `  (${names
          .map((name) => {
            const value = row[name];
            return value === null || value === undefined
              ? 'NULL'
              : typeof value === 'number'
                ? String(value)
                : bigQueryString(value);
          })
          .join(', ')})`,
    );
    return [
      `DELETE FROM ${BIGQUERY_DIALECT.table(table.name)} WHERE TRUE`,
      `INSERT INTO ${BIGQUERY_DIALECT.table(table.name)} (${names.join(', ')}) VALUES\n${values.join(',\n')}`,
    ];
  });
}

/**
 * The whole dataset as one script (sql/bigquery/ddl_ecommerce.sql): tables, enumeration rows, views.
 * Every statement is idempotent, so the script can run again after a model change.
 */
export function bigQueryDdlScript(): string {
  const parts = [
    `-- shopstream warehouse for BigQuery: every table, the enumeration rows, and every view.
-- Generated from the warehouse model (src/warehouse/model/) by \`npm run gen\`; do not edit.
-- \${project} and \${dataset} are placeholders: Terraform's templatefile() and the BigQuery adapter fill them.
-- Column descriptions are the comments; infra/terraform/schemas/<table>.json has them as BigQuery
-- descriptions, with the REQUIRED mode of nested fields, which this script leaves NULLABLE.`,
    '-- Tables',
    ...TABLES.map((t) => `${bigQueryCreateTable(t)};`),
    '-- Enumeration rows (part of the model, replaced as a whole)',
    ...bigQueryEnumerationStatements().map((s) => `${s};`),
    '-- Views: each reads tables only (the views it builds on are inlined as CTEs)',
    ...VIEWS.map((v) => `-- ${v.name}: ${v.description}\n${bigQueryCreateView(v)};`),
  ];
  return parts.join('\n\n') + '\n';
}
