import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageChecker } from '../../src/contract/message-checker.js';
import { buildReferenceUniverse } from '../../src/generator/reference-universe.js';
import { TrafficGenerator } from '../../src/generator/traffic-generator.js';
import { BatchWriter } from '../../src/pipeline/batch-writer.js';
import { packMessages } from '../../src/pipeline/packed-messages.js';
import { PreparePool } from '../../src/pipeline/prepare-pool.js';
import { prepareBatch } from '../../src/pipeline/prepared-batch.js';
import type { ReceivedMessage } from '../../src/bus/message-bus.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { FileLake } from '../../src/lake/file/file-lake.js';
import { BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import {
  EVENT_TABLES,
  TABLE_OF_TYPE,
  rowOf,
  type EventTableName,
  type RowOf,
} from '../../src/warehouse/rows.js';
import { FakeBigQueryServer } from '../support/fake-bigquery-server.js';
import { hostileCorpus } from '../hostile/hostile-corpus.js';

/**
 * 3,000 generated events, the hostile corpus's valid-but-awkward ones, an offset timestamp, and three
 * pretty-printed events (their lake line and row are re-serialized, not the payload's bytes).
 */
function awkwardPayloads(generator: TrafficGenerator): Buffer[] {
  return [
    ...Array.from({ length: 3_000 }, () => generator.next().data),
    ...hostileCorpus()
      .filter((c) => c.expected === undefined)
      .map((c) => c.bytes),
    Buffer.from(
      generator
        .next()
        .data.toString('utf8')
        .replace(/"timestamp":"([^"]+)Z"/, '"timestamp":"$1+00:00"'),
    ),
    ...Array.from({ length: 3 }, () =>
      Buffer.from(JSON.stringify(JSON.parse(generator.next().data.toString('utf8')), null, 2)),
    ),
  ];
}

/**
 * Valid events at the edges of what a row's columns take: times to the microsecond with offsets,
 * money with 9 decimals, lone surrogates (as JSON escapes; short and long text, which protobuf
 * libraries write by different code), and fields beyond the contract's, nested ones too.
 */
function edgePayloads(generator: TrafficGenerator): Buffer[] {
  const nextOf = (type: string): Record<string, unknown> => {
    for (;;) {
      const event = JSON.parse(generator.next().data.toString('utf8')) as Record<string, unknown>;
      if (event.event_type === type) return event;
    }
  };
  const order = nextOf('order');
  const [item, ...items] = order.items as Record<string, unknown>[];
  const edges = [
    {
      ...order,
      order_date: '2024-05-01T10:15:30.123456+02:00',
      items: [{ ...item, product_name: 'LONE_HIGH', price: 0.123456789, gift: true }, ...items],
      shipping_address: { ...(order.shipping_address as object), floor: 3 },
      total_amount: 1234567.000000001,
    },
    { ...nextOf('user_activity'), user_agent: `${'Mozilla/5.0 '.repeat(6)}LONE_LOW` },
    {
      ...nextOf('inventory'),
      quantity_change: -100,
      timestamp: '2024-02-29T23:59:59.999999-05:00',
      note: 'x',
    },
  ];
  // JSON.stringify cannot write a lone surrogate escape from a placeholder, so put it in the text.
  return edges.map((event) =>
    Buffer.from(JSON.stringify(event).replace('LONE_HIGH', 'a\\ud800b').replace('LONE_LOW', '\\udc00')),
  );
}

function messagesOf(payloads: readonly Buffer[]): ReceivedMessage[] {
  return payloads.map((data, i) => ({
    id: String(i),
    data,
    attributes: {},
    publishTime: new Date(1_700_000_000_000 + i),
    deliveryAttempt: 1,
    ack() {},
    nack() {},
    modifyAckDeadline() {},
  }));
}

/** Each accepted message's row, as append() takes it, by table. */
function rowsOf(
  messages: readonly ReceivedMessage[],
  ingestionTime: string,
): Record<EventTableName, RowOf<EventTableName>[]> {
  const checker = new MessageChecker();
  const rows: Record<EventTableName, RowOf<EventTableName>[]> = {
    orders: [],
    inventory: [],
    user_activity: [],
  };
  for (const message of messages) {
    const checked = checker.check(message.data);
    if (checked.ok)
      rows[TABLE_OF_TYPE[checked.eventType]].push(
        rowOf(checked, message.publishTime.toISOString(), ingestionTime),
      );
  }
  return rows;
}

const generator = new TrafficGenerator({
  seed: 4,
  universe: buildReferenceUniverse({ seed: 42 }),
  clock: 'wall',
});

/**
 * The pipeline hands the warehouse NDJSON a worker made: the message's own line with the ingest
 * columns spliced in (fast path) or a serialized row. Both must store exactly the rows built field by
 * field from the parsed event (rowOf), which is what append() stores.
 */
describe('warehouse rows: the NDJSON the pipeline writes equals the rows of the parsed events', () => {
  const dir = mkdtempSync(join(tmpdir(), 'row-paths-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores identical rows for generated and awkward events', async () => {
    const checker = new MessageChecker();
    const messages = messagesOf(awkwardPayloads(generator));
    let fast = 0;
    let reserialized = 0;
    for (const message of messages) {
      const checked = checker.check(message.data);
      if (!checked.ok) continue;
      if (checked.lineIsRow) fast++;
      if (!checked.lineIsPayload) reserialized++;
    }
    const rows = rowsOf(messages, new Date().toISOString());
    const accepted = EVENT_TABLES.reduce((sum, t) => sum + rows[t].length, 0);
    expect(fast).toBeGreaterThan(2_000);
    expect(accepted - fast).toBeGreaterThan(3);
    expect(reserialized).toBe(3);

    const open = async (name: string): Promise<DuckDbWarehouse> => {
      const w = new DuckDbWarehouse({ uri: `duckdb:${name}`, path: join(dir, `${name}.duckdb`) });
      await w.start();
      await w.ensureSchema();
      return w;
    };
    const fromNdjson = await open('ndjson');
    const fromRows = await open('rows');
    const lake = new FileLake({ uri: 'file:lake', directory: join(dir, 'lake') });
    await lake.start();
    const prepared = prepareBatch(checker, packMessages(messages));
    expect(prepared.tables.reduce((sum, t) => sum + t.rows, 0)).toBe(accepted);
    await new BatchWriter(lake, fromNdjson, new Telemetry(), 'a').write({ messages, prepared });
    for (const table of EVENT_TABLES) await fromRows.append(table, rows[table]);
    try {
      for (const table of EVENT_TABLES) {
        const sql = `SELECT * EXCLUDE (ingestion_time) FROM ${table} ORDER BY event_id`;
        const a = await fromNdjson.query(sql);
        const b = await fromRows.query(sql);
        expect(a.rows).toHaveLength(rows[table].length);
        expect(a.rows).toEqual(b.rows);
      }
    } finally {
      await Promise.all([fromNdjson.close(), fromRows.close(), lake.close()]);
    }
  }, 60_000);
});

/**
 * For BigQuery the prepare workers encode the rows as the Storage Write API's protobuf messages
 * (Warehouse.rowEncoding), and the adapter only stamps ingestion_time into them. What the local
 * Write API server stores from them must be exactly what it stores from rowOf() + append(), and from
 * the NDJSON path the pipeline took before (appendNdjson).
 */
describe('BigQuery rows: what the prepare workers encode stores the same values as rowOf() + append()', () => {
  const PROJECT = 'row-paths';
  const dir = mkdtempSync(join(tmpdir(), 'row-paths-bq-'));
  let bq: FakeBigQueryServer;
  beforeAll(async () => {
    bq = await FakeBigQueryServer.start({ defaultProjectId: PROJECT });
  });
  afterAll(async () => {
    await bq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function warehouse(datasetId: string): Promise<BigQueryWarehouse> {
    const w = new BigQueryWarehouse(bq.warehouseOptions(datasetId));
    await w.ensureSchema();
    return w;
  }
  /** The rows the server stored, without ingestion_time, in a fixed order. */
  const stored = (dataset: string, table: string): Record<string, unknown>[] =>
    bq
      .rows(PROJECT, dataset, table)
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      .map(({ ingestion_time, ...row }) => row)
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

  it('stores identical rows for generated, awkward and edge events, ingestion_time stamped when written', async () => {
    const messages = messagesOf([...awkwardPayloads(generator), ...edgePayloads(generator)]);
    const [encoded, objects, ndjson] = await Promise.all(
      ['encoded', 'objects', 'ndjson'].map((name) => warehouse(name)),
    );
    const lake = new FileLake({ uri: 'file:lake', directory: join(dir, 'lake') });
    await lake.start();
    // Through a real worker thread: it loads the adapter's encoder from the module rowEncoding names.
    const pool = new PreparePool(1, {}, encoded!.rowEncoding);
    const prepared = await pool.prepare(messages).finally(() => pool.close());
    expect(prepared.tables.map((t) => [t.table, 'encoded' in t])).toEqual(
      EVENT_TABLES.map((table) => [table, true]),
    );
    const rows = rowsOf(messages, new Date().toISOString());
    try {
      const before = Date.now();
      const written = await new BatchWriter(lake, encoded!, new Telemetry(), 'a').write({
        messages,
        prepared,
      });
      const after = Date.now();
      expect(written.rejected).toEqual([]);
      for (const table of EVENT_TABLES) await objects!.append(table, rows[table]);
      const asNdjson = prepareBatch(new MessageChecker(), packMessages(messages));
      for (const t of asNdjson.tables)
        if ('ndjson' in t) await ndjson!.appendNdjson(t.table, t.ndjson, t.rows);

      for (const table of EVENT_TABLES) {
        expect(stored('encoded', table)).toHaveLength(rows[table].length);
        expect(stored('encoded', table)).toEqual(stored('objects', table));
        expect(stored('encoded', table)).toEqual(stored('ndjson', table));
        const stamped = new Set(bq.rows(PROJECT, 'encoded', table).map((r) => r.ingestion_time));
        expect(stamped.size).toBe(1);
        const at = Date.parse(String([...stamped][0]));
        expect(at).toBeGreaterThanOrEqual(before);
        expect(at).toBeLessThanOrEqual(after);
      }
      // The edge values as stored: the encoding kept them exactly, U+FFFD for the lone surrogates.
      const orders = bq.rows(PROJECT, 'encoded', 'orders');
      expect(orders.find((r) => r.order_date === '2024-05-01T08:15:30.123456Z')).toMatchObject({
        items: [expect.objectContaining({ product_name: 'a\ufffdb', price: '0.123456789' })],
        total_amount: '1234567.000000001',
      });
      expect(orders.some((r) => 'floor' in (r.shipping_address as object))).toBe(false);
      expect(
        bq.rows(PROJECT, 'encoded', 'user_activity').filter((r) => /\ufffd$/.test(String(r.user_agent))),
      ).toHaveLength(1);
      expect(bq.rows(PROJECT, 'encoded', 'inventory').map((r) => r.timestamp)).toContain(
        '2024-03-01T04:59:59.999999Z',
      );
    } finally {
      await Promise.all([encoded!.close(), objects!.close(), ndjson!.close(), lake.close()]);
    }
  }, 60_000);
});
