import protobuf from 'protobufjs';
// Adds Type.fromDescriptor, which builds a message type from a serialized DescriptorProto.
import 'protobufjs/ext/descriptor/index.js';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { EncodedRows, RowEncoder, TableRowEncoder } from '../row-encoding.js';
import type { EventTableName, RowOf } from '../rows.js';
import type { RejectedRow } from '../warehouse.js';
import { storageRowOf } from './storage-row.js';
import type { TableField } from './table-field.js';

/**
 * The column a prepare worker leaves to the warehouse: it holds the time the rows are written. The
 * worker ends every row with this field and a placeholder value of {@link STAMP_BYTES} bytes, which
 * {@link stampIngestionTime} overwrites in place. A protobuf message is its fields' encodings one after
 * another, in any order, so the row stays one valid message without being encoded again.
 */
export const STAMPED_COLUMN = 'ingestion_time';
/**
 * An int64 varint of exactly 8 bytes (7 bits each, the continuation bit set on the first 7): it holds
 * any µs count below 2^56 (the year 4253); from 1987 on (2^49 µs) that is also its shortest form.
 */
const STAMP_BYTES = 8;

/** One event table as the workers encode it (plain data, sent to them). */
export interface StorageRowSchema {
  readonly fields: readonly TableField[];
  /**
   * The table's StorageDescriptor, serialized, with {@link STAMPED_COLUMN} NULLABLE: the same field
   * numbers and types as the one the appender declares, so the same bytes, but protobufjs lets the
   * worker leave the column out (a REQUIRED one it would insist on).
   */
  readonly descriptor: Uint8Array;
}

/** What {@link createRowEncoder} takes (RowEncoding.options of the BigQuery adapter). */
export interface StorageRowEncoderOptions {
  readonly tables: Readonly<Record<EventTableName, StorageRowSchema>>;
}

/**
 * Encodes rows as the protobuf messages the Storage Write API takes in `ProtoRows.serialized_rows`:
 * each value converted as storage-row.ts says (TIMESTAMP → µs, NUMERIC → decimal text, lone
 * surrogates → U+FFFD, columns beyond the table's dropped), then serialized with protobufjs from the
 * table's descriptor, the one the appender declares as `writer_schema`. It is what the managed
 * writer's JSONWriter does, less its deep copy of each row; and it runs on any thread.
 */
export class StorageRowEncoder {
  private readonly type: protobuf.Type;

  constructor(
    /** The columns to encode (a table's fields, or fewer). */
    private readonly fields: readonly TableField[],
    /** The serialized descriptor of the whole table (numbers the fields). */
    descriptor: Uint8Array,
  ) {
    this.type = (protobuf.Type as unknown as { fromDescriptor(d: Uint8Array): protobuf.Type }).fromDescriptor(
      descriptor,
    );
    // A root lets the nested message types (STRUCT columns) resolve.
    new protobuf.Root().add(this.type);
    this.type.resolveAll();
  }

  /** The row's message. Throws SHOP_E_WAREHOUSE_REJECTED for a value its column cannot take. */
  encode(row: object): Uint8Array {
    const storageRow = storageRowOf(this.fields, row);
    try {
      return this.type.encode(storageRow).finish();
    } catch (error) {
      // protobufjs refuses a value of the wrong JS type, or a REQUIRED column without a value.
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_REJECTED',
        `bigquery: cannot encode the row: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** The tag (field number, varint wire type) of a column, as protobuf writes it before the value. */
  tagOf(column: string): Uint8Array {
    const field = this.type.fields[column];
    if (!field) throw new ShopstreamError('SHOP_E_INTERNAL', `bigquery: no column ${column} to stamp`);
    return protobuf.Writer.create()
      .uint32((field.id << 3) | 0)
      .finish();
  }
}

/**
 * The RowEncoder of BigQuery's RowEncoding (see storage-row-encoding.ts); prepare workers import
 * this module and call it once.
 */
export function createRowEncoder(options: StorageRowEncoderOptions): RowEncoder {
  const encoders = new Map<EventTableName, { encoder: StorageRowEncoder; stamp: Uint8Array }>();
  return {
    forTable(table) {
      let entry = encoders.get(table);
      if (!entry) {
        const { fields, descriptor } = options.tables[table];
        const encoder = new StorageRowEncoder(
          fields.filter((f) => f.name !== STAMPED_COLUMN),
          descriptor,
        );
        const tag = encoder.tagOf(STAMPED_COLUMN);
        const stamp = new Uint8Array(tag.length + STAMP_BYTES);
        stamp.set(tag);
        writeStamp(stamp, tag.length, 0);
        encoders.set(table, (entry = { encoder, stamp }));
      }
      return new StampedRows(entry.encoder, entry.stamp);
    },
  };
}

/** One table's rows of one batch, each ending with the placeholder of its ingestion time. */
class StampedRows implements TableRowEncoder {
  private readonly pieces: Uint8Array[] = [];
  private readonly offsets: number[] = [0];
  private readonly rejected: RejectedRow[] = [];
  private byteLength = 0;

  constructor(
    private readonly encoder: StorageRowEncoder,
    private readonly placeholder: Uint8Array,
  ) {}

  add(row: RowOf<EventTableName>): void {
    try {
      const message = this.encoder.encode(row);
      this.pieces.push(message, this.placeholder);
      this.byteLength += message.length + this.placeholder.length;
    } catch (error) {
      if (!(error instanceof ShopstreamError)) throw error;
      // A value the table cannot store: this row's fault, not the others'. It stays empty.
      this.rejected.push({ index: this.offsets.length - 1, message: error.message });
    }
    this.offsets.push(this.byteLength);
  }

  finish(): EncodedRows {
    // Not allocUnsafe: a small one would be a slice of Node's shared pool, which cannot be transferred.
    const bytes = Buffer.allocUnsafeSlow(this.byteLength);
    let offset = 0;
    for (const piece of this.pieces) {
      bytes.set(piece, offset);
      offset += piece.length;
    }
    return { bytes, offsets: Uint32Array.from(this.offsets), rejected: this.rejected };
  }
}

/**
 * Writes the time into the placeholder every row of `rows` ends with (see {@link createRowEncoder}),
 * in place: a row's bytes become the message of the whole row, ingestion_time included.
 */
export function stampIngestionTime(rows: EncodedRows, at: Date): void {
  const micros = at.getTime() * 1000;
  const { bytes, offsets } = rows;
  const stamp = new Uint8Array(STAMP_BYTES);
  writeStamp(stamp, 0, micros);
  for (let i = 1; i < offsets.length; i++) {
    const end = offsets[i]!;
    if (end > offsets[i - 1]!) bytes.set(stamp, end - STAMP_BYTES);
  }
}

/** µs as an int64 varint of exactly {@link STAMP_BYTES} bytes (padded when smaller than 2^49). */
function writeStamp(target: Uint8Array, at: number, micros: number): void {
  if (!(Number.isSafeInteger(micros) && micros >= 0 && micros < 2 ** (7 * STAMP_BYTES)))
    throw new ShopstreamError('SHOP_E_INTERNAL', `bigquery: ingestion time ${micros} µs cannot be stamped`);
  let rest = micros;
  for (let i = 0; i < STAMP_BYTES - 1; i++) {
    target[at + i] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  target[at + STAMP_BYTES - 1] = rest;
}
