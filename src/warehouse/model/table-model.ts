/**
 * The shape of the warehouse model: tables and their columns, described once and emitted for every
 * engine (BigQuery DDL and JSON schemas, DuckDB DDL, the ER diagram). Types are named the BigQuery way
 * (the richer of the two targets); each dialect maps them.
 */

/** A column's scalar type, or STRUCT for a nested record. */
export type ColumnType =
  'STRING' | 'INT64' | 'NUMERIC' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'DATE' | 'STRUCT';

/** BigQuery's column modes: REPEATED is an array of the column's type. */
export type ColumnMode = 'NULLABLE' | 'REQUIRED' | 'REPEATED';

/** A column, or a field of a STRUCT column. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly mode: ColumnMode;
  readonly description: string;
  /** The fields of a STRUCT (or of each element of a REPEATED STRUCT). */
  readonly fields?: readonly Column[];
}

/** What a table holds, which decides how it is written and who fills it. */
export type TableKind =
  /** Raw events: append-only, at-least-once, one row per delivered event. */
  | 'event'
  /** DLQ records: append-only, at-least-once. */
  | 'errors'
  /** Reference entities from the generator's universe, replaced by `loadReferenceData`. */
  | 'reference'
  /** Enumerations of the contract with their meaning, replaced by `ensureSchema`. */
  | 'enumeration';

/** A column of one table that names a row of another (drawn in the ER diagram, joined by views). */
export interface Relationship {
  /** Column path in this table; nested fields are dotted (`items.product_id`, `metadata.platform`). */
  readonly column: string;
  readonly references: { readonly table: string; readonly column: string };
}

/** One table of the model. */
export interface TableModel {
  readonly name: string;
  readonly kind: TableKind;
  readonly description: string;
  readonly columns: readonly Column[];
  /** Daily partitions on a TIMESTAMP (or DATE) column; null for small tables. */
  readonly partitioning: { readonly column: string; readonly granularity: 'DAY' } | null;
  /** Clustering columns, most selective filter first (BigQuery allows four). */
  readonly clustering: readonly string[];
  readonly relationships: readonly Relationship[];
  /** The column(s) that identify a row: the natural key of ref_ tables, event_id of raw tables. */
  readonly key: readonly string[];
}
