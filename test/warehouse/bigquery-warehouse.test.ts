import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import sqlParser from 'node-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageChecker, type AcceptedMessage } from '../../src/contract/message-checker.js';
import { ShopstreamError } from '../../src/errors/shopstream-error.js';
import { buildReferenceUniverse } from '../../src/generator/reference-universe.js';
import { ENUMERATIONS } from '../../src/warehouse/model/enumerations.js';
import { TABLES } from '../../src/warehouse/model/tables.js';
import { VIEWS } from '../../src/warehouse/model/views.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { loadRowEncoder, type EncodedRows } from '../../src/warehouse/row-encoding.js';
import {
  rowOf,
  type EventTableName,
  type InventoryRow,
  type OrderRow,
  type RowOf,
  type UserActivityRow,
} from '../../src/warehouse/rows.js';
import {
  BigQueryWarehouse,
  type BigQueryWarehouseOptions,
} from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { tableResourceOf, viewQueryOf } from '../../src/warehouse/bigquery/model-resources.js';
import { tableNamed } from '../../src/warehouse/model/tables.js';
import { FakeBigQueryServer } from '../support/fake-bigquery-server.js';

const PROJECT = 'shop-test-project';
const checker = new MessageChecker();
const { Parser } = sqlParser;

let bq: FakeBigQueryServer;
const opened: BigQueryWarehouse[] = [];

beforeAll(async () => {
  bq = await FakeBigQueryServer.start({ defaultProjectId: PROJECT });
});

afterAll(async () => {
  await Promise.all(opened.map((w) => w.close()));
  await bq?.close();
});

/** A warehouse on a fresh dataset of the fake server (backoffs short, so retries take milliseconds). */
function warehouse(options: Partial<BigQueryWarehouseOptions> = {}): BigQueryWarehouse {
  const datasetId = options.datasetId ?? `ds_${randomUUID().slice(0, 8)}`;
  const w = new BigQueryWarehouse(
    bq.warehouseOptions(datasetId, {
      retry: { maxAttempts: 4, initialBackoffMs: 5, maxBackoffMs: 20 },
      ...options,
    }),
  );
  opened.push(w);
  return w;
}

async function readyWarehouse(options: Partial<BigQueryWarehouseOptions> = {}): Promise<BigQueryWarehouse> {
  const w = warehouse(options);
  await w.start();
  await w.ensureSchema();
  return w;
}

function datasetOf(w: BigQueryWarehouse): string {
  return w.uri.slice(`bigquery:${PROJECT}.`.length);
}

function accepted(event: object): AcceptedMessage {
  const checked = checker.check(Buffer.from(JSON.stringify(event)));
  if (!checked.ok) throw new Error(`test event breaks the contract: ${JSON.stringify(checked.failure)}`);
  return checked;
}

const ORDER_EVENT = {
  event_type: 'order',
  order_id: '0b6c1f8e-1f7a-4f8e-9c3b-2f1d7e9a4c11',
  customer_id: '6f1d2c3b-4a5e-4f60-8b7a-9c0d1e2f3a4b',
  order_date: '2024-05-01T10:15:30.123+02:00',
  status: 'shipped',
  items: [
    {
      product_id: '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
      product_name: 'Trail Shoe',
      quantity: 2,
      price: 49.99,
    },
    {
      product_id: '2a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
      product_name: 'Wool Sock',
      quantity: 3,
      price: 0.1,
    },
  ],
  shipping_address: { street: '1 Rue de la Paix', city: 'Paris', country: 'France' },
  total_amount: 100.28,
};

const INVENTORY_EVENT = {
  event_type: 'inventory',
  inventory_id: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
  product_id: '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
  warehouse_id: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
  quantity_change: -7,
  reason: 'sale',
  timestamp: '2024-05-01T23:59:59.999Z',
};

const ACTIVITY_EVENT = {
  event_type: 'user_activity',
  user_id: '6f1d2c3b-4a5e-4f60-8b7a-9c0d1e2f3a4b',
  activity_type: 'add_to_cart',
  ip_address: '2001:db8::1',
  user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) — «ü»',
  timestamp: '2024-04-30T22:00:00-05:00',
  metadata: { session_id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', platform: 'mobile' },
};

const PUBLISHED = '2024-05-01T08:15:31.5Z';
const INGESTED = '2024-05-01T08:15:32.000Z';

describe('BigQueryWarehouse against the local BigQuery protocol server', () => {
  it('is what openWarehouse opens for bigquery:<project>.<dataset>', async () => {
    const w = await openWarehouse('bigquery:my-project-1.shop_events');
    expect(w).toBeInstanceOf(BigQueryWarehouse);
    expect(w.uri).toBe('bigquery:my-project-1.shop_events');
    await w.close();
  });

  describe('ensureSchema', () => {
    let w: BigQueryWarehouse;
    let dataset: string;
    beforeAll(async () => {
      w = await readyWarehouse({ location: 'EU' });
      dataset = datasetOf(w);
    });

    it('creates the dataset in the requested location', () => {
      expect(bq.dataset(PROJECT, dataset)).toMatchObject({
        datasetReference: { projectId: PROJECT, datasetId: dataset },
        location: 'EU',
      });
    });

    it('creates every table of the model with its partitioning, clustering and columns as sent', () => {
      for (const model of TABLES) {
        const table = bq.table(PROJECT, dataset, model.name);
        expect(table?.type, model.name).toBe('TABLE');
        const resource = table!.resource;
        expect(resource.description).toBe(model.description);
        if (model.partitioning) {
          expect(resource.timePartitioning, model.name).toEqual({
            type: 'DAY',
            field: model.partitioning.column,
          });
        } else {
          expect(resource.timePartitioning, model.name).toBeUndefined();
        }
        if (model.clustering.length > 0) {
          expect(resource.clustering, model.name).toEqual({ fields: model.clustering });
        } else {
          expect(resource.clustering, model.name).toBeUndefined();
        }
        expect(table!.schema.map((f) => f.name)).toEqual(model.columns.map((c) => c.name));
      }
      // The issue's partitioning and clustering, spelled out.
      const partitionOf = (t: string) => bq.table(PROJECT, dataset, t)!.resource;
      expect(partitionOf('orders')).toMatchObject({
        timePartitioning: { type: 'DAY', field: 'order_date' },
        clustering: { fields: ['status', 'customer_id'] },
      });
      expect(partitionOf('inventory')).toMatchObject({
        timePartitioning: { type: 'DAY', field: 'timestamp' },
        clustering: { fields: ['reason', 'product_id', 'warehouse_id'] },
      });
      expect(partitionOf('user_activity')).toMatchObject({
        timePartitioning: { type: 'DAY', field: 'timestamp' },
        clustering: { fields: ['activity_type', 'user_id'] },
      });
    });

    it('nests items as a repeated record and money as NUMERIC', () => {
      const orders = bq.table(PROJECT, dataset, 'orders')!.schema;
      const items = orders.find((f) => f.name === 'items');
      expect(items).toMatchObject({ type: 'RECORD', mode: 'REPEATED' });
      expect(items!.fields!.find((f) => f.name === 'price')).toMatchObject({ type: 'NUMERIC' });
      expect(orders.find((f) => f.name === 'total_amount')).toMatchObject({
        type: 'NUMERIC',
        mode: 'REQUIRED',
      });
      expect(orders.find((f) => f.name === 'shipping_address')).toMatchObject({ type: 'RECORD' });
    });

    it('creates every view of the model as GoogleSQL reading this dataset, each parsing as BigQuery SQL', () => {
      const parser = new Parser();
      for (const view of VIEWS) {
        const table = bq.table(PROJECT, dataset, view.name);
        expect(table?.type, view.name).toBe('VIEW');
        const spec = table!.resource.view as { query: string; useLegacySql: boolean };
        expect(spec.useLegacySql).toBe(false);
        expect(spec.query).not.toContain('${');
        expect(spec.query).toContain(`\`${PROJECT}.${dataset}.`);
        expect(() => parser.astify(spec.query, { database: 'BigQuery' }), view.name).not.toThrow();
      }
    });

    it('fills the enumeration tables from the model', () => {
      for (const { table, rows } of ENUMERATIONS) {
        const stored = bq.rows(PROJECT, dataset, table.name);
        expect(stored, table.name).toHaveLength(rows.length);
        expect(stored).toEqual(
          rows.map((row) => Object.fromEntries(table.columns.map((c) => [c.name, row[c.name] ?? null]))),
        );
      }
      expect(bq.rows(PROJECT, dataset, 'ref_order_status').map((r) => [r.status, r.lifecycle_rank])).toEqual([
        ['pending', 1],
        ['processing', 2],
        ['shipped', 3],
        ['delivered', 4],
      ]);
    });

    it('is idempotent: a second run (or another worker) changes nothing and duplicates no rows', async () => {
      const before = bq.tableIds(PROJECT, dataset);
      const requestsBefore = bq.requests.length;
      const again = warehouse({ datasetId: dataset });
      await again.ensureSchema();
      expect(bq.tableIds(PROJECT, dataset)).toEqual(before);
      // It reads what exists instead of creating it, so a service account without create rights
      // passes when Terraform made the dataset and tables.
      const creates = bq.requests
        .slice(requestsBefore)
        .filter((r) => r.method === 'POST' && !r.path.startsWith('/upload/'));
      expect(creates).toEqual([]);
      for (const { table, rows } of ENUMERATIONS)
        expect(bq.rows(PROJECT, dataset, table.name)).toHaveLength(rows.length);
    });

    it('points a view that exists with another query (an older version) at the model', async () => {
      const datasetId = `ds_${randomUUID().slice(0, 8)}`;
      const first = warehouse({ datasetId });
      await first.ensureSchema();
      const client = new BigQuery({
        projectId: PROJECT,
        apiEndpoint: bq.restUrl,
        authClient: new PassThroughClient(),
      });
      const older = `SELECT status FROM \`${PROJECT}.${datasetId}.orders\``;
      await client
        .dataset(datasetId)
        .table('order_current_status')
        .setMetadata({ view: { query: older, useLegacySql: false } });
      expect(
        (bq.table(PROJECT, datasetId, 'order_current_status')!.resource.view as { query: string }).query,
      ).toBe(older);
      await warehouse({ datasetId }).ensureSchema();
      const view = VIEWS.find((v) => v.name === 'order_current_status')!;
      expect(
        (bq.table(PROJECT, datasetId, 'order_current_status')!.resource.view as { query: string }).query,
      ).toBe(viewQueryOf(view, PROJECT, datasetId));
    });

    it('refuses a table that lacks a REQUIRED column of the model as SHOP_E_WAREHOUSE_BREAKING_CHANGE', async () => {
      const datasetId = `ds_${randomUUID().slice(0, 8)}`;
      const client = new BigQuery({
        projectId: PROJECT,
        apiEndpoint: bq.restUrl,
        authClient: new PassThroughClient(),
      });
      await client.dataset(datasetId).create();
      const older = tableResourceOf(tableNamed('orders')).schema!.fields.filter(
        (f) => f.name !== 'ingestion_time',
      );
      await client.dataset(datasetId).createTable('orders', { schema: { fields: older } } as object);
      const error = await warehouse({ datasetId })
        .ensureSchema()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_BREAKING_CHANGE', retryable: false });
      expect((error as Error).message).toContain('orders.ingestion_time is a new REQUIRED column');
      expect(bq.tableIds(PROJECT, datasetId)).toEqual(['orders']);
    });

    it('every SQL statement the adapter sent parses with the BigQuery dialect', () => {
      const parser = new Parser();
      expect(bq.statements.length).toBeGreaterThanOrEqual(VIEWS.length);
      for (const statement of bq.statements.filter((s) => s.kind === 'view')) {
        expect(() => parser.astify(statement.sql, { database: 'BigQuery' })).not.toThrow();
      }
    });
  });

  describe('append through the Storage Write API', () => {
    let w: BigQueryWarehouse;
    let dataset: string;
    beforeAll(async () => {
      w = await readyWarehouse();
      dataset = datasetOf(w);
    });

    it('writes order rows decoded with exact values: nested items, struct, UTC timestamps, NUMERIC money', async () => {
      const row = rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow;
      await w.append('orders', [row]);
      const stored = bq.rows(PROJECT, dataset, 'orders');
      expect(stored).toEqual([
        {
          order_id: ORDER_EVENT.order_id,
          customer_id: ORDER_EVENT.customer_id,
          order_date: '2024-05-01T08:15:30.123000Z',
          status: 'shipped',
          items: [
            {
              product_id: ORDER_EVENT.items[0]!.product_id,
              product_name: 'Trail Shoe',
              quantity: 2,
              price: '49.99',
            },
            {
              product_id: ORDER_EVENT.items[1]!.product_id,
              product_name: 'Wool Sock',
              quantity: 3,
              price: '0.1',
            },
          ],
          shipping_address: { street: '1 Rue de la Paix', city: 'Paris', country: 'France' },
          total_amount: '100.28',
          event_id: row.event_id,
          publish_time: '2024-05-01T08:15:31.500000Z',
          ingestion_time: '2024-05-01T08:15:32.000000Z',
        },
      ]);
      expect(row.event_id).toMatch(/^[0-9a-f]{32}$/);
    });

    it('writes inventory and user_activity rows with negative integers, offsets converted to UTC, and text as sent', async () => {
      await w.append('inventory', [rowOf(accepted(INVENTORY_EVENT), PUBLISHED, INGESTED) as InventoryRow]);
      await w.append('user_activity', [
        rowOf(accepted(ACTIVITY_EVENT), PUBLISHED, INGESTED) as UserActivityRow,
      ]);
      expect(bq.rows(PROJECT, dataset, 'inventory')).toEqual([
        expect.objectContaining({
          inventory_id: INVENTORY_EVENT.inventory_id,
          quantity_change: -7,
          reason: 'sale',
          timestamp: '2024-05-01T23:59:59.999000Z',
        }),
      ]);
      expect(bq.rows(PROJECT, dataset, 'user_activity')).toEqual([
        expect.objectContaining({
          user_id: ACTIVITY_EVENT.user_id,
          activity_type: 'add_to_cart',
          ip_address: '2001:db8::1',
          user_agent: ACTIVITY_EVENT.user_agent,
          timestamp: '2024-05-01T03:00:00.000000Z',
          metadata: { session_id: ACTIVITY_EVENT.metadata.session_id, platform: 'mobile' },
        }),
      ]);
    });

    it('keeps microseconds and exact decimals of hand-built rows (offset timestamps, many-digit money)', async () => {
      const row: OrderRow = {
        order_id: '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e',
        customer_id: '8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f',
        order_date: '2023-12-31T23:30:00.654321-01:00',
        status: 'pending',
        items: [
          {
            product_id: '9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a',
            product_name: 'Ünïcödé Mug ☕',
            quantity: 1,
            price: 12345678.9,
          },
        ],
        shipping_address: { street: '5 Main St', city: 'Springfield', country: 'United States' },
        total_amount: 0.000000001,
        event_id: 'f'.repeat(32),
        publish_time: '2024-01-01T00:30:00.000001Z',
        ingestion_time: '2024-01-01T00:30:01Z',
      } as OrderRow;
      await w.append('orders', [row]);
      const stored = bq.rows(PROJECT, dataset, 'orders').find((r) => r.order_id === row.order_id);
      expect(stored).toMatchObject({
        order_date: '2024-01-01T00:30:00.654321Z',
        publish_time: '2024-01-01T00:30:00.000001Z',
        items: [{ product_name: 'Ünïcödé Mug ☕', price: '12345678.9', quantity: 1 }],
        total_amount: '0.000000001',
      });
    });

    it('appends DLQ records to ingest_errors', async () => {
      await w.appendErrors([
        {
          error_code: 'SHOP_E_FIELD_ENUM',
          error_path: '/status',
          error_message: 'status must be one of pending, processing, shipped, delivered',
          message_id: '1234',
          event_id: 'a'.repeat(32),
          publish_time: '2024-05-01T08:00:00.000Z',
          ingestion_time: '2024-05-01T08:00:01.000Z',
          attributes: '{"origin":"test"}',
          payload: '{"event_type":"order","status":"lost"}',
          payload_encoding: 'utf8',
        },
      ]);
      expect(bq.rows(PROJECT, dataset, 'ingest_errors')).toEqual([
        {
          error_code: 'SHOP_E_FIELD_ENUM',
          error_path: '/status',
          error_message: 'status must be one of pending, processing, shipped, delivered',
          message_id: '1234',
          event_id: 'a'.repeat(32),
          publish_time: '2024-05-01T08:00:00.000000Z',
          ingestion_time: '2024-05-01T08:00:01.000000Z',
          attributes: '{"origin":"test"}',
          payload: '{"event_type":"order","status":"lost"}',
          payload_encoding: 'utf8',
        },
      ]);
    });

    it('sends appends to the _default stream of the table, one connection per table', () => {
      const streams = new Set(
        bq.appends.filter((a) => a.table.startsWith(`${PROJECT}.${dataset}.`)).map((a) => a.writeStream),
      );
      expect([...streams].sort()).toEqual(
        ['ingest_errors', 'inventory', 'orders', 'user_activity'].map(
          (t) => `projects/${PROJECT}/datasets/${dataset}/tables/${t}/streams/_default`,
        ),
      );
    });
  });

  describe('appendEncoded: rows a prepare worker serialized', () => {
    /** The rows as a prepare worker encodes them with the warehouse's rowEncoding (ingestion_time left out). */
    async function encoded(
      w: BigQueryWarehouse,
      table: EventTableName,
      rows: readonly object[],
    ): Promise<EncodedRows> {
      const encoder = (await loadRowEncoder(w.rowEncoding))!.forTable(table);
      for (const row of rows) encoder.add({ ...row, ingestion_time: '' } as RowOf<EventTableName>);
      return encoder.finish();
    }
    const withoutIngestion = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      rows.map(({ ingestion_time, ...rest }) => rest);

    const order = rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow;
    const lone = `a\ud800b`;
    const longLone = `${'x'.repeat(60)}\udc00`;
    /** Values at the edges of what the columns take, and keys the table has not. */
    const edgeOrders = [
      {
        ...order,
        event_id: '1'.repeat(32),
        order_date: '2023-12-31T23:30:00.654321-01:00',
        publish_time: '2024-01-01T00:30:00.000001Z',
        items: [
          { ...order.items[0]!, product_name: lone, price: 0.123456789, coupon: 'unknown, dropped' },
          { ...order.items[1]!, product_name: longLone, price: 12345678.9 },
        ],
        shipping_address: { street: 'Ünïcödé ☕ 東京 \u{1F600}', city: 'Paris', country: 'France', floor: 3 },
        total_amount: 0.000000001,
        coupon_code: 'an unknown column',
      },
      { ...order, event_id: '2'.repeat(32), items: [], total_amount: 1e15 },
    ] as unknown as OrderRow[];
    const activity = {
      ...(rowOf(accepted(ACTIVITY_EVENT), PUBLISHED, INGESTED) as UserActivityRow),
      user_agent: lone,
      timestamp: '2024-02-29T23:59:59.999999Z',
    };
    const inventory = {
      ...(rowOf(accepted(INVENTORY_EVENT), PUBLISHED, INGESTED) as InventoryRow),
      quantity_change: -100,
    };

    it('stores exactly what append() of the same rows stores: µs timestamps, 9-decimal money, lone surrogates, empty and nested records, unknown keys dropped', async () => {
      const byEncoded = await readyWarehouse();
      const byObjects = await readyWarehouse();
      const cases: [EventTableName, object[]][] = [
        ['orders', edgeOrders],
        ['user_activity', [activity]],
        ['inventory', [inventory]],
      ];
      const before = Date.now();
      for (const [table, rows] of cases) {
        await byEncoded.appendEncoded(table, await encoded(byEncoded, table, rows));
        await byObjects.append(table, rows as RowOf<EventTableName>[]);
      }
      const after = Date.now();
      for (const [table] of cases) {
        const stored = bq.rows(PROJECT, datasetOf(byEncoded), table);
        expect(withoutIngestion(stored)).toEqual(
          withoutIngestion(bq.rows(PROJECT, datasetOf(byObjects), table)),
        );
        // Stamped when written, to the millisecond (as a Date), every row of the append alike.
        for (const row of stored) {
          const at = Date.parse(String(row.ingestion_time));
          expect(at).toBeGreaterThanOrEqual(before);
          expect(at).toBeLessThanOrEqual(after);
        }
      }
      const [first, empty] = bq.rows(PROJECT, datasetOf(byEncoded), 'orders');
      expect(first).toMatchObject({
        order_date: '2024-01-01T00:30:00.654321Z',
        publish_time: '2024-01-01T00:30:00.000001Z',
        items: [
          { product_name: 'a\ufffdb', price: '0.123456789' },
          { product_name: `${'x'.repeat(60)}\ufffd`, price: '12345678.9' },
        ],
        shipping_address: { street: 'Ünïcödé ☕ 東京 \u{1F600}', city: 'Paris', country: 'France' },
        total_amount: '0.000000001',
      });
      expect(first).not.toHaveProperty('coupon_code');
      expect(first!.shipping_address).not.toHaveProperty('floor');
      expect(empty).toMatchObject({ items: [], total_amount: '1000000000000000' });
      expect(bq.rows(PROJECT, datasetOf(byEncoded), 'user_activity')[0]).toMatchObject({
        user_agent: 'a\ufffdb',
        timestamp: '2024-02-29T23:59:59.999999Z',
      });
    });

    it('names the rows refused while encoding and those the service refused, by position, and writes the others', async () => {
      const w = await readyWarehouse();
      const dataset = datasetOf(w);
      const rows = [
        order,
        { ...order, event_id: 'b'.repeat(32), order_date: '2024-02-30T00:00:00Z' },
        { ...order, event_id: 'c'.repeat(32), total_amount: 1e30 },
        { ...order, event_id: 'd'.repeat(32) },
      ];
      const result = await w.appendEncoded('orders', await encoded(w, 'orders', rows));
      expect(result.rejected).toEqual([
        {
          index: 1,
          message: expect.stringMatching(/^bigquery: column order_date needs an RFC 3339 timestamp/),
        },
        { index: 2, message: expect.stringMatching(/^total_amount: .*does not fit NUMERIC/) },
      ]);
      // The row refused while encoding was never sent; the service refused the first request whole.
      const requests = bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.orders`);
      expect(requests.map((r) => [r.outcome, r.rowCount])).toEqual([
        ['INVALID_ARGUMENT', 3],
        ['OK', 2],
      ]);
      expect(bq.rows(PROJECT, dataset, 'orders').map((r) => r.event_id)).toEqual([
        order.event_id,
        'd'.repeat(32),
      ]);
    });

    it('splits into requests under the size limit, resends them on a dropped connection, and each row arrives once', async () => {
      const w = await readyWarehouse({ maxAppendRequestBytes: 8 * 1024, maxInflightAppends: 3 });
      const dataset = datasetOf(w);
      const rows = Array.from({ length: 150 }, (_, i) => ({
        ...order,
        event_id: i.toString(16).padStart(32, '0'),
      }));
      const encodedRows = await encoded(w, 'orders', rows);
      bq.failNextAppends(1, 'UNAVAILABLE', 'stream');
      await w.appendEncoded('orders', encodedRows);
      const requests = bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.orders`);
      expect(requests.filter((r) => r.outcome === 'OK').length).toBeGreaterThan(3);
      expect(Math.max(...requests.map((r) => r.bytes))).toBeLessThanOrEqual(8 * 1024);
      const stored = bq.rows(PROJECT, dataset, 'orders').map((r) => r.event_id);
      expect(stored.sort()).toEqual(rows.map((r) => r.event_id).sort());
    });

    it('stamps the time of each append: the same rows appended again carry the later time', async () => {
      const w = await readyWarehouse();
      const rows = await encoded(w, 'inventory', [inventory]);
      await w.appendEncoded('inventory', rows);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await w.appendEncoded('inventory', rows);
      const [first, second] = bq
        .rows(PROJECT, datasetOf(w), 'inventory')
        .map((r) => Date.parse(String(r.ingestion_time)));
      expect(second! - first!).toBeGreaterThanOrEqual(5);
    });
  });

  describe('batching', () => {
    it('splits a large append into several requests, each under the size limit, rows in order and once', async () => {
      const limit = 48 * 1024;
      const small = await FakeBigQueryServer.start({
        defaultProjectId: PROJECT,
        maxAppendRequestBytes: limit,
      });
      try {
        const datasetId = `ds_${randomUUID().slice(0, 8)}`;
        const w = new BigQueryWarehouse({
          uri: `bigquery:${PROJECT}.${datasetId}`,
          projectId: PROJECT,
          datasetId,
          apiEndpoint: small.restUrl,
          writeEndpoint: small.grpcEndpoint,
          credentials: 'none',
          maxAppendRequestBytes: limit,
        });
        opened.push(w);
        await w.ensureSchema();
        const template = rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow;
        const rows = Array.from({ length: 1500 }, (_, i) => ({
          ...template,
          order_id: randomUUID(),
          event_id: i.toString(16).padStart(32, '0'),
        }));
        const totalBytes = Buffer.byteLength(JSON.stringify(rows));
        expect(totalBytes).toBeGreaterThan(5 * limit);

        await w.append('orders', rows);

        const requests = small.appends.filter((a) => a.table.endsWith('.orders'));
        expect(requests.length).toBeGreaterThan(1);
        expect(requests.every((r) => r.outcome === 'OK')).toBe(true);
        expect(Math.max(...requests.map((r) => r.bytes))).toBeLessThanOrEqual(limit);
        expect(requests.reduce((n, r) => n + r.rowCount, 0)).toBe(rows.length);
        const stored = small.rows(PROJECT, datasetId, 'orders');
        expect(stored.map((r) => r.event_id).sort()).toEqual(rows.map((r) => r.event_id).sort());
      } finally {
        await small.close();
      }
    });

    it('uses requests near the 10 MB API limit by default, not one request per row', async () => {
      const w = await readyWarehouse();
      const dataset = datasetOf(w);
      const template = rowOf(accepted(INVENTORY_EVENT), PUBLISHED, INGESTED) as InventoryRow;
      const rows = Array.from({ length: 2000 }, (_, i) => ({
        ...template,
        event_id: i.toString(16).padStart(32, '0'),
      }));
      await w.append('inventory', rows);
      const requests = bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.inventory`);
      expect(requests).toHaveLength(1);
      expect(bq.rows(PROJECT, dataset, 'inventory')).toHaveLength(2000);
    });
  });

  describe('errors on append', () => {
    it.each(['response', 'stream'] as const)(
      'retries transient UNAVAILABLE answers (%s) and the rows arrive exactly once',
      async (mode) => {
        const w = await readyWarehouse();
        const dataset = datasetOf(w);
        const rows = [rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow];
        bq.failNextAppends(2, 'UNAVAILABLE', mode);
        await w.append('orders', rows);
        const requests = bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.orders`);
        expect(requests.map((r) => r.outcome)).toEqual(['UNAVAILABLE', 'UNAVAILABLE', 'OK']);
        expect(bq.rows(PROJECT, dataset, 'orders')).toHaveLength(1);
        // The connection is still good for the next append.
        await w.append('orders', rows);
        expect(bq.rows(PROJECT, dataset, 'orders')).toHaveLength(2);
      },
    );

    it.each(['RESOURCE_EXHAUSTED', 'INTERNAL', 'ABORTED', 'DEADLINE_EXCEEDED'] as const)(
      'retries %s too',
      async (code) => {
        const w = await readyWarehouse();
        bq.failNextAppends(1, code);
        await w.append('inventory', [rowOf(accepted(INVENTORY_EVENT), PUBLISHED, INGESTED) as InventoryRow]);
        expect(bq.rows(PROJECT, datasetOf(w), 'inventory')).toHaveLength(1);
      },
    );

    it('replaces a connection that stops answering (no reply within appendTimeoutMs) and the rows arrive once', async () => {
      const w = await readyWarehouse({ appendTimeoutMs: 300 });
      const dataset = datasetOf(w);
      bq.failNextAppends(1, 'UNAVAILABLE', 'hang');
      await w.append('orders', [rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow]);
      expect(bq.rows(PROJECT, dataset, 'orders')).toHaveLength(1);
      const requests = bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.orders`);
      expect(requests.map((r) => r.outcome)).toEqual(['UNAVAILABLE', 'OK']);
    });

    it('resends every request in flight on a dropped connection: all rows arrive, each once', async () => {
      const w = await readyWarehouse({ maxAppendRequestBytes: 8 * 1024, maxInflightAppends: 3 });
      const dataset = datasetOf(w);
      const template = rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow;
      const rows = Array.from({ length: 120 }, (_, i) => ({
        ...template,
        event_id: i.toString(16).padStart(32, '0'),
      }));
      bq.failNextAppends(1, 'UNAVAILABLE', 'stream');
      await w.append('orders', rows);
      const stored = bq.rows(PROJECT, dataset, 'orders').map((r) => r.event_id);
      expect(stored.sort()).toEqual(rows.map((r) => r.event_id).sort());
      const requests = bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.orders`);
      expect(requests.filter((r) => r.outcome === 'OK').length).toBeGreaterThan(3);
    });

    it('gives up after the configured attempts with a retryable SHOP_E_WAREHOUSE_UNAVAILABLE', async () => {
      const w = await readyWarehouse({ retry: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 10 } });
      bq.failNextAppends(3, 'UNAVAILABLE');
      const error = await w
        .append('orders', [rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopstreamError);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_UNAVAILABLE', retryable: true });
      expect(bq.rows(PROJECT, datasetOf(w), 'orders')).toHaveLength(0);
    });

    it('surfaces INVALID_ARGUMENT as a non-retryable typed error, without retrying or storing', async () => {
      const w = await readyWarehouse();
      const dataset = datasetOf(w);
      bq.failNextAppends(1, 'INVALID_ARGUMENT');
      const error = await w
        .append('orders', [rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopstreamError);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_REJECTED', retryable: false });
      expect((error as Error).message).toContain('injected INVALID_ARGUMENT');
      expect(bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.orders`)).toHaveLength(1);
      expect(bq.rows(PROJECT, dataset, 'orders')).toHaveLength(0);
    });

    it('writes the good rows and names the ones the service refused with row errors (a value the column cannot hold)', async () => {
      const w = await readyWarehouse();
      const dataset = datasetOf(w);
      const good = rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow;
      // NUMERIC holds 29 integer digits; a hand-built row can carry more (the contract caps money lower).
      const bad = { ...good, event_id: 'b'.repeat(32), total_amount: 1e30 } as OrderRow;
      const other = { ...good, event_id: 'c'.repeat(32) } as OrderRow;
      const result = await w.append('orders', [good, bad, other]);
      expect(result.rejected).toEqual([
        { index: 1, message: expect.stringMatching(/^total_amount: .*does not fit NUMERIC/) },
      ]);
      // The first request was refused as a whole (the API commits nothing of it); the one sent again
      // held only the good rows.
      const requests = bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.orders`);
      expect(requests.map((r) => [r.outcome, r.rowCount])).toEqual([
        ['INVALID_ARGUMENT', 3],
        ['OK', 2],
      ]);
      expect(bq.rows(PROJECT, dataset, 'orders').map((r) => r.event_id)).toEqual([
        good.event_id,
        other.event_id,
      ]);
    });

    it("refuses a text longer than its STRING(L) column for that row only, with the service's words", async () => {
      const w = warehouse();
      const dataset = datasetOf(w);
      // An operator's table (Terraform, say) that declares city as STRING(12); ensureSchema accepts it.
      await w.start();
      await new BigQuery({
        projectId: PROJECT,
        apiEndpoint: bq.restUrl,
        authClient: new PassThroughClient(),
      })
        .dataset(dataset)
        .create();
      const resource = tableResourceOf(tableNamed('orders'));
      const fields = resource.schema!.fields!.map((f) =>
        f.name === 'shipping_address'
          ? { ...f, fields: f.fields!.map((g) => (g.name === 'city' ? { ...g, maxLength: '12' } : g)) }
          : f,
      );
      await new BigQuery({ projectId: PROJECT, apiEndpoint: bq.restUrl, authClient: new PassThroughClient() })
        .dataset(dataset)
        .createTable('orders', { ...resource, schema: { fields } } as object);
      await w.ensureSchema();
      const short = rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow;
      const long = rowOf(
        accepted({
          ...ORDER_EVENT,
          shipping_address: { ...ORDER_EVENT.shipping_address, city: 'Llanfairpwllgwyngyll' },
        }),
        PUBLISHED,
        INGESTED,
      ) as OrderRow;
      const result = await w.append('orders', [long, short]);
      expect(result.rejected).toEqual([
        {
          index: 0,
          message:
            'Field shipping_address.city: STRING(12) has maximum length 12 but got a value with length 20',
        },
      ]);
      expect(bq.rows(PROJECT, dataset, 'orders').map((r) => r.event_id)).toEqual([short.event_id]);
    });

    it('numbers refused rows by the rows given to append(), across requests, and writes all the others', async () => {
      const w = await readyWarehouse({ maxAppendRequestBytes: 4 * 1024, maxInflightAppends: 1 });
      const good = rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow;
      const rows = Array.from({ length: 30 }, (_, i) => ({
        ...good,
        event_id: i.toString(16).padStart(32, '0'),
        total_amount: i === 23 || i === 4 ? 1e30 : good.total_amount,
      }));
      const result = await w.append('orders', rows);
      expect(
        bq.appends.filter((a) => a.table === `${PROJECT}.${datasetOf(w)}.orders`).length,
      ).toBeGreaterThan(3);
      expect(result.rejected.map((r) => r.index)).toEqual([4, 23]);
      expect(
        bq
          .rows(PROJECT, datasetOf(w), 'orders')
          .map((r) => r.event_id)
          .sort(),
      ).toEqual(
        rows
          .filter((_, i) => i !== 4 && i !== 23)
          .map((r) => r.event_id)
          .sort(),
      );
    });

    it('fails appendErrors as a whole (not retryable) when ingest_errors refuses a row: the DLQ has no DLQ', async () => {
      const w = await readyWarehouse();
      const row = {
        error_code: 'SHOP_E_DECODE_JSON',
        error_path: '',
        error_message: 'bad',
        message_id: 'm1',
        event_id: 'e'.repeat(32),
        publish_time: 'not a time',
        ingestion_time: INGESTED,
        attributes: '{}',
        payload: '{',
        payload_encoding: 'utf8',
      } as const;
      const error = await w.appendErrors([row]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_REJECTED', retryable: false });
      expect((error as Error).message).toMatch(/ingest_errors refused 1 of 1 DLQ rows/);
    });

    it('names a missing table as SHOP_E_WAREHOUSE_SCHEMA (run setup)', async () => {
      const w = warehouse(); // no ensureSchema
      const error = await w
        .append('orders', [rowOf(accepted(ORDER_EVENT), PUBLISHED, INGESTED) as OrderRow])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_SCHEMA', retryable: false });
      expect((error as Error).message).toContain('shopstream setup');
    });
  });

  it('takes concurrent appends from several workers on the same default stream', async () => {
    const first = await readyWarehouse();
    const dataset = datasetOf(first);
    const workers = [first, warehouse({ datasetId: dataset }), warehouse({ datasetId: dataset })];
    const template = rowOf(accepted(ACTIVITY_EVENT), PUBLISHED, INGESTED) as UserActivityRow;
    await Promise.all(
      workers.flatMap((worker, w) =>
        Array.from({ length: 5 }, (_, batch) =>
          worker.append(
            'user_activity',
            Array.from({ length: 20 }, (_, i) => ({
              ...template,
              event_id: `w${w}b${batch}r${i}`.padStart(32, '0'),
            })),
          ),
        ),
      ),
    );
    const ids = bq.rows(PROJECT, dataset, 'user_activity').map((r) => r.event_id);
    expect(ids).toHaveLength(3 * 5 * 20);
    expect(new Set(ids).size).toBe(3 * 5 * 20);
  });

  describe('loadReferenceData', () => {
    it('replaces the ref_ tables with the universe, idempotently', async () => {
      const w = await readyWarehouse();
      const dataset = datasetOf(w);
      const universe = buildReferenceUniverse({ seed: 7, customers: 40, products: 12, warehouses: 3 });
      await w.loadReferenceData(universe);
      await w.loadReferenceData(universe);
      expect(bq.rows(PROJECT, dataset, 'ref_customers')).toHaveLength(40);
      expect(bq.rows(PROJECT, dataset, 'ref_warehouses')).toHaveLength(3);
      const products = bq.rows(PROJECT, dataset, 'ref_products');
      expect(products).toHaveLength(12);
      const first = universe.products[0]!;
      expect(products[0]).toEqual({
        product_id: first.product_id,
        product_name: first.product_name,
        category: first.category,
        price: String(first.price),
        reorder_point: first.reorder_point,
      });
      expect(bq.rows(PROJECT, dataset, 'ref_customers')[0]!.signup_date).toBe(
        universe.customers[0]!.signup_date,
      );

      const smaller = buildReferenceUniverse({ seed: 8, customers: 5, products: 2, warehouses: 1 });
      await w.loadReferenceData(smaller);
      expect(bq.rows(PROJECT, dataset, 'ref_customers').map((c) => c.customer_id)).toEqual(
        smaller.customers.map((c) => c.customer_id),
      );
      expect(bq.rows(PROJECT, dataset, 'ref_products')).toHaveLength(2);
    });
  });

  describe('query', () => {
    let w: BigQueryWarehouse;
    let dataset: string;
    beforeAll(async () => {
      w = await readyWarehouse();
      dataset = datasetOf(w);
    });

    it("returns SHOP_E_WAREHOUSE_QUERY with the engine's message for bad SQL", async () => {
      const error = await w.query('SELEC status FROM orders').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopstreamError);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_QUERY', retryable: false });
      const sent = bq.requests.filter((r) => r.path.endsWith('/queries')).at(-1)!;
      expect(sent.status).toBe(400);
      expect((error as Error).message).toContain('Syntax error');
      expect((error as Error).message).toContain('at [1:');
    });

    it('names an unknown table in the same way', async () => {
      const error = await w.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_QUERY' });
      expect((error as Error).message).toContain(`Not found: Table ${PROJECT}:${dataset}.no_such_table`);
    });

    it('runs in the dataset by default, through jobs.query', async () => {
      await w.append('inventory', [rowOf(accepted(INVENTORY_EVENT), PUBLISHED, INGESTED) as InventoryRow]);
      const result = await w.query('SELECT COUNT(*) AS movements FROM inventory');
      expect(result).toEqual({ columns: ['movements'], rows: [{ movements: 1 }] });
      const body = bq.requests.filter((r) => r.path.endsWith('/queries')).at(-1)!.body as Record<
        string,
        unknown
      >;
      expect(body).toMatchObject({
        query: 'SELECT COUNT(*) AS movements FROM inventory',
        useLegacySql: false,
        defaultDataset: { projectId: PROJECT, datasetId: dataset },
      });
    });

    it('returns plain values in column order, across pages of getQueryResults', async () => {
      const paged = await FakeBigQueryServer.start({ defaultProjectId: PROJECT, queryPageSize: 4 });
      try {
        const datasetId = `ds_${randomUUID().slice(0, 8)}`;
        const pw = new BigQueryWarehouse({
          uri: `bigquery:${PROJECT}.${datasetId}`,
          projectId: PROJECT,
          datasetId,
          apiEndpoint: paged.restUrl,
          writeEndpoint: paged.grpcEndpoint,
          credentials: 'none',
        });
        opened.push(pw);
        await pw.ensureSchema();
        // Not a SQL engine: the server parses this, checks that orders exists, and answers what the test set.
        const sql = `SELECT DATE(order_date) AS day, shipping_address.country AS country, SUM(total_amount) AS revenue,
  COUNT(*) AS orders, MIN(order_date) AS first_at, ARRAY_AGG(status) AS tags, STRUCT(TRUE AS ok, 0.5 AS ratio) AS detail
FROM orders GROUP BY day, country`;
        const rows = Array.from({ length: 10 }, (_, i) => ({
          day: `2024-05-${String(i + 1).padStart(2, '0')}`,
          country: i % 2 ? 'France' : null,
          revenue: `${1000 + i}.25`,
          orders: i,
          first_at: `2024-05-${String(i + 1).padStart(2, '0')}T00:00:00.000001Z`,
          tags: ['a', `t${i}`],
          detail: { ok: i % 2 === 0, ratio: i / 4 },
        }));
        paged.answerQuery(sql, {
          schema: [
            { name: 'day', type: 'DATE' },
            { name: 'country', type: 'STRING' },
            { name: 'revenue', type: 'NUMERIC' },
            { name: 'orders', type: 'INTEGER' },
            { name: 'first_at', type: 'TIMESTAMP' },
            { name: 'tags', type: 'STRING', mode: 'REPEATED' },
            {
              name: 'detail',
              type: 'RECORD',
              fields: [
                { name: 'ok', type: 'BOOLEAN' },
                { name: 'ratio', type: 'FLOAT' },
              ],
            },
          ],
          rows,
        });
        const result = await pw.query(sql);
        expect(result.columns).toEqual(['day', 'country', 'revenue', 'orders', 'first_at', 'tags', 'detail']);
        expect(result.rows).toHaveLength(10);
        expect(result.rows[3]).toEqual({
          day: '2024-05-04',
          country: 'France',
          revenue: 1003.25,
          orders: 3,
          first_at: '2024-05-04T00:00:00.000001Z',
          tags: ['a', 't3'],
          detail: { ok: false, ratio: 0.75 },
        });
        expect(result.rows.map((r) => r.orders)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(paged.requests.filter((r) => r.method === 'GET' && /\/queries\//.test(r.path))).toHaveLength(
          2,
        );
      } finally {
        await paged.close();
      }
    });

    it('keeps the columns of an empty result', async () => {
      const sql = 'SELECT status, COUNT(*) AS n FROM orders WHERE FALSE GROUP BY status';
      bq.answerQuery(sql, {
        schema: [
          { name: 'status', type: 'STRING' },
          { name: 'n', type: 'INTEGER' },
        ],
        rows: [],
      });
      expect(await w.query(sql)).toEqual({ columns: ['status', 'n'], rows: [] });
    });
  });

  describe('health and credentials', () => {
    it('start() succeeds before setup (the dataset may not exist yet)', async () => {
      await expect(warehouse().start()).resolves.toBeUndefined();
    });

    it('start() fails with a retryable SHOP_E_WAREHOUSE_UNAVAILABLE when nothing answers', async () => {
      const w = warehouse({
        apiEndpoint: 'http://127.0.0.1:9',
        writeEndpoint: '127.0.0.1:9',
        restMaxRetries: 0,
      });
      const error = await w.start().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_UNAVAILABLE', retryable: true });
    });

    it('start() also checks the Storage Write API answers', async () => {
      const w = warehouse({ writeEndpoint: '127.0.0.1:9' });
      const error = await w.start().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_UNAVAILABLE', retryable: true });
      expect((error as Error).message).toContain('Storage Write API');
    });

    it('close() lets appends in flight finish', async () => {
      const w = await readyWarehouse();
      const appending = w.append('inventory', [
        rowOf(accepted(INVENTORY_EVENT), PUBLISHED, INGESTED) as InventoryRow,
      ]);
      await w.close();
      await expect(appending).resolves.toEqual({ rejected: [] });
      expect(bq.rows(PROJECT, datasetOf(w), 'inventory')).toHaveLength(1);
    });

    it('without usable credentials, start() fails with a SHOP_E code and close() adds no error of its own', async () => {
      const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
      process.env.GOOGLE_APPLICATION_CREDENTIALS = join(tmpdir(), 'shopstream-no-such-key.json');
      try {
        const w = warehouse({ credentials: 'adc', restMaxRetries: 0 });
        const error = await w.start().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ShopstreamError);
        expect((error as Error).message).toContain('GOOGLE_APPLICATION_CREDENTIALS');
        // What openQueryRunner does on a failed start; it used to throw the library's error instead.
        await expect(w.close()).resolves.toBeUndefined();
      } finally {
        if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
        else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
      }
    });

    it('refuses to go without credentials unless both endpoints are local', () => {
      expect(
        () =>
          new BigQueryWarehouse({ uri: 'bigquery:p.d', projectId: 'p', datasetId: 'd', credentials: 'none' }),
      ).toThrow(expect.objectContaining({ code: 'SHOP_E_CONFIG_INVALID' }));
    });

    it('cannot be used after close()', async () => {
      const w = warehouse();
      await w.close();
      await expect(w.query('SELECT 1')).rejects.toThrow(/after close/);
    });
  });

  it('leaves no call unanswered by the protocol server', () => {
    expect(bq.unsupported).toEqual([]);
  });
});
