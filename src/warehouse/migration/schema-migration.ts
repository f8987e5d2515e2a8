/** What a step of a migration does to the warehouse. */
export type SchemaStepKind =
  | 'create-dataset'
  | 'create-table'
  | 'add-column'
  | 'patch-schema'
  | 'comment'
  | 'replace-view'
  | 'replace-rows';

/** One change `ensureSchema()` makes, as the statement (or API call) that makes it. */
export interface SchemaStep {
  readonly kind: SchemaStepKind;
  /** The table, view or dataset it changes. */
  readonly target: string;
  /** SQL in the warehouse's dialect; for a BigQuery API call (tables.patch), what it sends, in words. */
  readonly statement: string;
}

/** What `ensureSchema()` did (or, in a dry run, would do), in order. */
export interface SchemaMigration {
  readonly dryRun: boolean;
  readonly steps: readonly SchemaStep[];
  /** Columns added to existing tables, as `table.column` (`orders.items.discount` for a nested one). */
  readonly addedColumns: readonly string[];
}

/** Options of `Warehouse.ensureSchema()`. */
export interface EnsureSchemaOptions {
  /** Plan only: read the warehouse, refuse a breaking change, change nothing, return the steps. */
  readonly dryRun?: boolean;
}
