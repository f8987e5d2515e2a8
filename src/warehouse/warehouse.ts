import type { EventTableName, IngestErrorRow, RowOf } from './rows.js';
import type { FillTarget } from './migration/fill-target.js';
import type { EnsureSchemaOptions, SchemaMigration } from './migration/schema-migration.js';
import type { ReferenceData } from './reference-data.js';
import type { EncodedRows, RowEncoding } from './row-encoding.js';

/**
 * The warehouse port: the model's schema, appends of rows, and SQL queries.
 *
 * - `duckdb:./data/warehouse.duckdb`   → warehouse/duckdb/duckdb-warehouse.ts (one writer process)
 * - `bigquery:<project>.<dataset>`     → warehouse/bigquery/bigquery-warehouse.ts (Storage Write API)
 *
 * Raw tables are append-only and at-least-once; the model's views deduplicate by `event_id`.
 */
export interface Warehouse {
  readonly uri: string;
  /**
   * What the pipeline's prepare workers make of the rows for this warehouse: NDJSON lines (then the
   * pipeline appends them with {@link appendNdjson}) or rows serialized by the adapter's own encoder
   * (then with {@link appendEncoded}). See RowEncoding.
   */
  readonly rowEncoding: RowEncoding;
  /** Opens the connection and checks it answers (the health check). */
  start(): Promise<void>;
  /**
   * Brings the warehouse to the model, idempotently: creates what does not exist, adds the columns
   * an earlier contract lacked (nested ones too), re-creates the views, fills the enumeration tables.
   * It only ever adds: a column the model removes, renames, retypes or makes required is refused with
   * SHOP_E_WAREHOUSE_BREAKING_CHANGE before anything changes. `dryRun` plans without changing.
   */
  ensureSchema(options?: EnsureSchemaOptions): Promise<SchemaMigration>;
  /**
   * Fills a column in rows stored before the contract had it (`orders.coupon_code`, or a field in a
   * record such as `orders.items.discount`), in place, from rows made again from the same events: the
   * NDJSON rows of the target's table, as the pipeline makes them (a backfill of the archive with
   * `--fill-missing`). Stored rows with the same event_id that lack the value get it; nothing is
   * appended, so the views still hold each event once. Resolves to the number of rows updated.
   */
  fillMissing(target: FillTarget, ndjson: Uint8Array): Promise<number>;
  /** Replaces the contents of the ref_ tables with this universe (idempotent). */
  loadReferenceData(data: ReferenceData): Promise<void>;
  /**
   * Appends rows to a raw event table; resolves once they are durable. A row the warehouse refuses on
   * its own, for good (a value its table cannot store, as BigQuery's per-row errors say), is left out
   * and named in the result while the others are written. A failure of the whole append throws a
   * typed error, `retryable` when the same call may succeed later (network, lock, disk full), not
   * when someone must fix something first (missing table, permission).
   */
  append<T extends EventTableName>(table: T, rows: readonly RowOf<T>[]): Promise<AppendResult>;
  /**
   * Appends rows given as newline-delimited JSON in UTF-8 — one object per line keyed by the table's column
   * names, every column but `ingestion_time`, which the warehouse sets to the time it writes them;
   * other keys are ignored. Same guarantees as {@link append}. The pipeline writes through it: a
   * worker thread makes the text, and an adapter that parses JSON itself (DuckDB's read_json) never
   * builds a row object.
   */
  appendNdjson(table: EventTableName, ndjson: Uint8Array, rowCount: number): Promise<AppendResult>;
  /**
   * Appends rows serialized by the encoder this warehouse's {@link rowEncoding} names (on a worker
   * thread), every column but `ingestion_time`, which the warehouse sets to the time it writes them.
   * Same guarantees as {@link append}; rows the encoder refused (EncodedRows.rejected) are in the
   * result's `rejected` too. Only a warehouse whose rowEncoding is an encoder has it.
   */
  appendEncoded?(table: EventTableName, rows: EncodedRows): Promise<AppendResult>;
  /** Appends DLQ records to ingest_errors; a refused row fails the whole call (the DLQ must take every row). */
  appendErrors(rows: readonly IngestErrorRow[]): Promise<void>;
  /** Runs SQL in the warehouse's dialect. Bad SQL throws SHOP_E_WAREHOUSE_QUERY with the engine's message. */
  query(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}

/** A row an append left out because the warehouse refused it for good. */
export interface RejectedRow {
  /** Its position among the rows given (for appendNdjson, its line, from 0; for appendEncoded, its row). */
  readonly index: number;
  /** The warehouse's own words, for the DLQ record. */
  readonly message: string;
}

/** What an append wrote: everything but `rejected` (empty when it wrote every row). */
export interface AppendResult {
  readonly rejected: readonly RejectedRow[];
}

/** The result of an append that wrote every row. */
export const ALL_WRITTEN: AppendResult = Object.freeze({ rejected: Object.freeze([]) });

/** Query output: column names and plain JS rows (numbers, strings, booleans, null, arrays, objects). */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}
