import type { Column, TableModel } from '../model/table-model.js';
import { TABLES } from '../model/tables.js';
import type { ViewModel } from '../model/view-model.js';
import { VIEWS } from '../model/views.js';
import { DUCKDB_DIALECT } from './duckdb-dialect.js';
import { viewSql } from './view-sql.js';

/**
 * Money is DECIMAL(38,9): exactly BigQuery NUMERIC's precision and scale, so an amount the contract
 * accepts is stored, summed and compared the same in both warehouses (prices with more than cents,
 * such as 0.125 a unit, stay exact; DECIMAL(18,2) would round them). Sums of DECIMAL(38,9) stay
 * DECIMAL(38,9) in DuckDB, as in BigQuery.
 */
export const DUCKDB_MONEY = 'DECIMAL(38,9)';

const SCALAR: Readonly<Record<Exclude<Column['type'], 'STRUCT'>, string>> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  NUMERIC: DUCKDB_MONEY,
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  // An instant, like BigQuery's TIMESTAMP; shown in the session's time zone (the adapter uses UTC).
  TIMESTAMP: 'TIMESTAMPTZ',
  DATE: 'DATE',
};

/** The DuckDB type of a column, nested types included (`STRUCT(product_id VARCHAR, …)[]`). */
export function duckDbType(column: Column): string {
  const base =
    column.type === 'STRUCT'
      ? `STRUCT(${(column.fields ?? []).map((f) => `${quoteIdentifier(f.name)} ${duckDbType(f)}`).join(', ')})`
      : SCALAR[column.type];
  return column.mode === 'REPEATED' ? `${base}[]` : base;
}

/** A DuckDB identifier, quoted only when it must be. */
export function quoteIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** A DuckDB string literal. */
export function duckDbString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** CREATE TABLE IF NOT EXISTS for one table; REQUIRED top-level columns are NOT NULL. */
export function duckDbCreateTable(table: TableModel): string {
  const columns = table.columns.map(
    (c) => `  ${quoteIdentifier(c.name)} ${duckDbType(c)}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`,
  );
  return `CREATE TABLE IF NOT EXISTS ${table.name} (\n${columns.join(',\n')}\n)`;
}

/**
 * ALTER TABLE … ADD COLUMN for a column an existing table lacks. A field of a STRUCT is added by its
 * path (`shipping_address.postal_code`), and of the STRUCT elements of a list through `element`
 * (`items.element.discount`); existing rows get NULL. (DuckDB adds no constraint this way, which is
 * fine: only optional columns are ever added.)
 */
export function duckDbAddColumn(table: string, parents: readonly Column[], column: Column): string {
  const path = [
    ...parents.map((p) => `${quoteIdentifier(p.name)}${p.mode === 'REPEATED' ? '.element' : ''}`),
    quoteIdentifier(column.name),
  ].join('.');
  return `ALTER TABLE ${table} ADD COLUMN ${path} ${duckDbType(column)}`;
}

/** COMMENT ON statements that store the table's and its columns' descriptions in the catalog. */
export function duckDbComments(table: TableModel): string[] {
  return [
    `COMMENT ON TABLE ${table.name} IS ${duckDbString(table.description)}`,
    ...table.columns.map(
      (c) => `COMMENT ON COLUMN ${table.name}.${quoteIdentifier(c.name)} IS ${duckDbString(c.description)}`,
    ),
  ];
}

/** CREATE OR REPLACE VIEW for one view, with its description. */
export function duckDbCreateView(view: ViewModel): string[] {
  return [
    `CREATE OR REPLACE VIEW ${view.name} AS\n${viewSql(view, DUCKDB_DIALECT)}`,
    `COMMENT ON VIEW ${view.name} IS ${duckDbString(view.description)}`,
  ];
}

/** CREATE TABLE IF NOT EXISTS for every table of the model. */
export function duckDbTableStatements(): string[] {
  return TABLES.map(duckDbCreateTable);
}

/** Table and column descriptions, then every view: to run once the tables match the model. */
export function duckDbCatalogStatements(): string[] {
  return [...TABLES.flatMap(duckDbComments), ...VIEWS.flatMap((v) => duckDbCreateView(v))];
}

/**
 * Every statement that builds the model in DuckDB, in order; each is idempotent. (Partitioning and
 * clustering are BigQuery's: DuckDB keeps min/max statistics per row group, which prune scans of
 * data appended in time order without being told.)
 */
export function duckDbSchemaStatements(): string[] {
  return [...duckDbTableStatements(), ...duckDbCatalogStatements()];
}

/** The committed copy for readers (sql/duckdb/ddl_ecommerce.sql). */
export function duckDbDdlScript(): string {
  return (
    `-- shopstream warehouse for DuckDB: every table and view, as DuckDbWarehouse.ensureSchema() creates them.
-- Generated from the warehouse model (src/warehouse/model/) by \`npm run gen\`; do not edit.
-- The enumeration tables' rows are inserted by ensureSchema(); the ref_ entity tables by \`shopstream setup\`.

` +
    duckDbSchemaStatements()
      .map((s) => `${s};`)
      .join('\n\n') +
    '\n'
  );
}
