import type { ColumnMode } from '../model/table-model.js';

/**
 * A column as a warehouse holds it, read from the warehouse itself (DuckDB's information_schema,
 * BigQuery's tables.get): its name, its type in the words the adapter compares (DuckDB's catalog
 * spelling, BigQuery's standard names), its mode, and the fields of a STRUCT. No descriptions: they
 * never block a migration.
 */
export interface StoredColumn {
  readonly name: string;
  /** `STRUCT` for a record; otherwise the engine's own scalar type name (`VARCHAR`, `INT64`, …). */
  readonly type: string;
  readonly mode: ColumnMode;
  readonly fields?: readonly StoredColumn[];
}
