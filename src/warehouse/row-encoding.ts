import type { EventTableName, RowOf } from './rows.js';
import type { RejectedRow } from './warehouse.js';

/**
 * What the pipeline's prepare workers make of each table's rows for a warehouse, as the warehouse
 * announces it ({@link Warehouse.rowEncoding}). Plain data, so it reaches the worker threads as it is.
 *
 * - `ndjson`: one JSON object per line, appended with `Warehouse.appendNdjson` (DuckDB loads the
 *   lines with read_json as they are).
 * - `encoder`: rows serialized one by one by an encoder the adapter ships, appended with
 *   `Warehouse.appendEncoded` (BigQuery: protobuf rows for the Storage Write API), so the main
 *   thread neither parses nor encodes them.
 *
 * @example
 * // The BigQuery adapter: its workers import storage-row-encoder and call createRowEncoder(options).
 * { kind: 'encoder', module: 'file:///…/warehouse/bigquery/storage-row-encoder.js', options: { tables } }
 */
export type RowEncoding = NdjsonRowEncoding | EncoderRowEncoding;

export interface NdjsonRowEncoding {
  readonly kind: 'ndjson';
}

export interface EncoderRowEncoding {
  readonly kind: 'encoder';
  /** The file URL of a module that exports {@link RowEncoderModule.createRowEncoder}. */
  readonly module: string;
  /** What createRowEncoder takes: plain data (the structured clone of it reaches the workers). */
  readonly options: unknown;
}

export const NDJSON_ROWS: NdjsonRowEncoding = Object.freeze({ kind: 'ndjson' });

/** The module an {@link EncoderRowEncoding} names. */
export interface RowEncoderModule {
  createRowEncoder(options: unknown): RowEncoder;
}

/** Encodes the rows of a batch, per table; made once per worker. */
export interface RowEncoder {
  /** A fresh encoder for one table's rows of one batch. */
  forTable(table: EventTableName): TableRowEncoder;
}

export interface TableRowEncoder {
  /**
   * Adds the next row: what rowOf() makes of the event, with `ingestion_time` empty (the warehouse
   * stamps it when it writes the rows). A row with a value the table cannot store is kept as
   * refused, in EncodedRows.rejected, never thrown.
   */
  add(row: RowOf<EventTableName>): void;
  /** The rows added, in buffers of their own (so they can be transferred to another thread). */
  finish(): EncodedRows;
}

/**
 * One table's rows, each serialized on its own and put back to back: row i is
 * `bytes[offsets[i], offsets[i + 1])`. A row the encoder refused is empty there and named in
 * `rejected` (its index is its position among the rows, as in an AppendResult).
 */
export interface EncodedRows {
  readonly bytes: Uint8Array;
  /** length = rows + 1 */
  readonly offsets: Uint32Array;
  readonly rejected: readonly RejectedRow[];
}

/** How many rows (refused ones included) an EncodedRows holds. */
export function rowCountOf(rows: EncodedRows): number {
  return rows.offsets.length - 1;
}

/** The row encoder an encoding names, loaded (once per worker); undefined for NDJSON. */
export async function loadRowEncoder(encoding: RowEncoding): Promise<RowEncoder | undefined> {
  if (encoding.kind === 'ndjson') return undefined;
  const module = (await import(encoding.module)) as RowEncoderModule;
  return module.createRowEncoder(encoding.options);
}
