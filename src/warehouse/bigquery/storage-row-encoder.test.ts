import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor/index.js';
import { describe, expect, it } from 'vitest';
import { rowCountOf, type EncodedRows } from '../row-encoding.js';
import type { EventTableName, InventoryRow, RowOf } from '../rows.js';
import { tableFieldsOf } from './model-resources.js';
import { storageDescriptorOf } from './storage-descriptor.js';
import { StorageRowEncoder, createRowEncoder, stampIngestionTime } from './storage-row-encoder.js';
import { storageRowEncoding } from './storage-row-encoding.js';
import type { StorageRowEncoderOptions } from './storage-row-encoder.js';

const fields = tableFieldsOf('inventory');
const descriptor = storageDescriptorOf(fields);
/** The message type the service builds from the writer schema the appender declares. */
const rowType = (() => {
  const type = (protobuf.Type as unknown as { fromDescriptor(d: Uint8Array): protobuf.Type }).fromDescriptor(
    descriptor.bytes,
  );
  new protobuf.Root().add(type);
  return type;
})();
const decoded = (bytes: Uint8Array): object => rowType.toObject(rowType.decode(bytes), { longs: String });

const row: InventoryRow = {
  inventory_id: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
  product_id: '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
  warehouse_id: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
  quantity_change: -7,
  reason: 'sale',
  timestamp: '2024-05-01T23:59:59.999999Z',
  event_id: 'a'.repeat(32),
  publish_time: '2024-05-01T23:59:59.5Z',
  ingestion_time: '',
};

function workerRows(rows: readonly object[]): EncodedRows {
  const { options } = storageRowEncoding();
  const encoder = createRowEncoder(options as StorageRowEncoderOptions).forTable('inventory');
  for (const r of rows) encoder.add(r as RowOf<EventTableName>);
  return encoder.finish();
}

const rowAt = (rows: EncodedRows, i: number): Uint8Array =>
  rows.bytes.subarray(rows.offsets[i], rows.offsets[i + 1]);

describe('the rows a prepare worker encodes for BigQuery', () => {
  it.each([
    ['now', new Date()],
    ['a time with its own millisecond', new Date('2024-05-02T00:00:00.123Z')],
    ['a time before 1987 (a padded varint)', new Date('1970-01-01T00:00:01Z')],
  ])('are, once stamped (%s), the message of the whole row with that ingestion_time', (_, at) => {
    const rows = workerRows([row, { ...row, event_id: 'b'.repeat(32) }]);
    stampIngestionTime(rows, at);
    const whole = new StorageRowEncoder(fields, descriptor.bytes);
    for (const [i, eventId] of ['a', 'b'].entries())
      expect(decoded(rowAt(rows, i))).toEqual(
        decoded(whole.encode({ ...row, event_id: eventId.repeat(32), ingestion_time: at.toISOString() })),
      );
  });

  it('keeps a row with a value the table cannot take empty and names it; the others are whole', () => {
    const rows = workerRows([row, { ...row, timestamp: 'yesterday' }, row]);
    expect(rowCountOf(rows)).toBe(3);
    expect(rows.rejected).toEqual([
      { index: 1, message: expect.stringMatching(/^bigquery: column timestamp needs an RFC 3339 timestamp/) },
    ]);
    expect(rowAt(rows, 1)).toHaveLength(0);
    stampIngestionTime(rows, new Date('2024-05-02T00:00:00Z'));
    expect(decoded(rowAt(rows, 0))).toEqual(decoded(rowAt(rows, 2)));
    expect(decoded(rowAt(rows, 2))).toMatchObject({ ingestion_time: String(Date.UTC(2024, 4, 2) * 1000) });
  });

  it('owns its buffers, so they can be transferred to another thread', () => {
    const rows = workerRows([row]);
    expect(rows.bytes.byteOffset).toBe(0);
    expect(rows.bytes.buffer.byteLength).toBe(rows.bytes.length);
    expect(rows.offsets.buffer.byteLength).toBe(rows.offsets.byteLength);
  });

  it('refuses to stamp a time its 8 bytes cannot hold (after the year 4253)', () => {
    const rows = workerRows([row]);
    expect(() => stampIngestionTime(rows, new Date('5000-01-01T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'SHOP_E_INTERNAL' }),
    );
  });
});
