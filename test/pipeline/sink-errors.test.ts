import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveFileName } from '../../src/archive/archive-file-name.js';
import { BackfillCheckpoint } from '../../src/archive/backfill-checkpoint.js';
import { runBackfill, type BackfillProgress } from '../../src/archive/backfill.js';
import { FileSource } from '../../src/archive/sources/file-source.js';
import { openBus } from '../../src/bus/open-bus.js';
import { eventIdOf } from '../../src/contract/event-id.js';
import { EVENT_TYPES } from '../../src/contract/event-types.js';
import { FileLake } from '../../src/lake/file/file-lake.js';
import type { DeadLetterRecord } from '../../src/pipeline/dead-letter-record.js';
import type { PipelineStats } from '../../src/pipeline/streaming-pipeline.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { tableResourceOf } from '../../src/warehouse/bigquery/model-resources.js';
import { tableNamed } from '../../src/warehouse/model/tables.js';
import { EVENT_TABLES, TABLE_OF_TYPE } from '../../src/warehouse/rows.js';
import { lakeDirOf } from '../support/check-outcome.js';
import { FakeBigQueryServer } from '../support/fake-bigquery-server.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { waitFor, type HealthAnswer } from '../support/ops-client.js';
import { lakeLines } from '../support/read-lake.js';
import { PublishedWaves } from '../faults/published-waves.js';
import { startPipelineInProcess, type RunningPipeline } from '../faults/running-pipeline.js';

/**
 * Sink errors by class, against the BigQuery protocol server (Storage Write API over gRPC, REST for
 * the rest), with the real local bus and lake:
 *
 * - a row the table cannot store (a city longer than an operator's `STRING(12)` column) is refused by
 *   the service with `row_errors`: that message goes to the DLQ as SHOP_E_SINK_ROW_REJECTED with the
 *   service's words, the rest of its batch is written;
 * - missing tables (no setup yet) block the warehouse: messages held, nothing dead-lettered, /healthz
 *   and shopstream_sink_blocked say so, one log line; once setup runs the pipeline resumes by itself.
 */
const PROJECT = 'sink-errors-test';
const CITY_MAX = 12;

let bq: FakeBigQueryServer;
beforeAll(async () => {
  bq = await FakeBigQueryServer.start({ defaultProjectId: PROJECT });
});
afterAll(async () => {
  await bq?.close();
});

function bigQuery(datasetId: string): BigQueryWarehouse {
  return new BigQueryWarehouse(
    bq.warehouseOptions(datasetId, { retry: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 } }),
  );
}

/** The operator's orders table (Terraform, say) declares the city as STRING(12); setup makes the rest. */
async function datasetWithNarrowCity(datasetId: string): Promise<void> {
  const rest = new BigQuery({
    projectId: PROJECT,
    apiEndpoint: bq.restUrl,
    authClient: new PassThroughClient(),
  });
  await rest.dataset(datasetId).create();
  const resource = tableResourceOf(tableNamed('orders'));
  const fields = resource.schema!.fields!.map((f) =>
    f.name === 'shipping_address'
      ? {
          ...f,
          fields: f.fields!.map((g) => (g.name === 'city' ? { ...g, maxLength: String(CITY_MAX) } : g)),
        }
      : f,
  );
  await rest.dataset(datasetId).createTable('orders', { ...resource, schema: { fields } } as object);
  await setUp(datasetId);
}

async function setUp(datasetId: string): Promise<void> {
  const warehouse = bigQuery(datasetId);
  await warehouse.start();
  await warehouse.ensureSchema();
  await warehouse.close();
}

const idsOf = (rows: Record<string, unknown>[]): string[] =>
  [...new Set(rows.map((r) => String(r.event_id)))].sort();
const dlqRecords = (stack: LocalStack): DeadLetterRecord[] =>
  lakeLines(lakeDirOf(stack.dir), 'output/errors').map((line) => JSON.parse(line) as DeadLetterRecord);
const isLongCity = (line: string): boolean =>
  [...(JSON.parse(line) as { shipping_address: { city: string } }).shipping_address.city].length > CITY_MAX;

describe('a row the warehouse cannot store (BigQuery row_errors), in the stream', () => {
  const dataset = 'rows_refused';
  let stack: LocalStack;
  let waves: PublishedWaves;
  let stats: PipelineStats;
  let rejectedMetric: number;
  let deadLetterBacklog: number | undefined;
  /** Accepted orders (from the lake, which holds every accepted event) whose city is too long. */
  let longCity: string[];

  beforeAll(async () => {
    stack = await createLocalStack();
    await datasetWithNarrowCity(dataset);
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_500);
    const running = await startPipelineInProcess(stack.config, { warehouse: () => bigQuery(dataset) });
    await waitFor('every message acked', () => running.pipeline.stats.acked === waves.total, 60_000);
    rejectedMetric = await running.ops.metric('shopstream_dead_lettered_total', {
      code: 'SHOP_E_SINK_ROW_REJECTED',
    });
    stats = await running.stop();
    deadLetterBacklog = (await bus.describeSubscription(stack.config.deadLetterSubscription)).backlog;
    await bus.close();
    longCity = lakeLines(lakeDirOf(stack.dir), 'output/order')
      .filter(isLongCity)
      .map((line) => eventIdOf(Buffer.from(line)))
      .sort();
  }, 120_000);
  afterAll(() => stack?.remove());

  it('has orders with a city too long for the table, and others (the test can fail)', () => {
    const orders = [...waves.mix.valid.values()].filter((t) => t === 'order').length;
    expect(longCity.length).toBeGreaterThan(0);
    expect(longCity.length).toBeLessThan(orders);
  });

  it("dead-letters exactly those messages with SHOP_E_SINK_ROW_REJECTED and the service's words, in the lake and ingest_errors", () => {
    const refused = dlqRecords(stack).filter((r) => r.error.code === 'SHOP_E_SINK_ROW_REJECTED');
    expect(refused.map((r) => r.event_id).sort()).toEqual(longCity);
    for (const record of refused)
      expect(record.error.message).toMatch(
        /^warehouse table orders refused the row: Field shipping_address\.city: STRING\(12\) has maximum length 12 but got a value with length \d+$/,
      );
    const rows = bq
      .rows(PROJECT, dataset, 'ingest_errors')
      .filter((r) => r.error_code === 'SHOP_E_SINK_ROW_REJECTED');
    expect(idsOf(rows)).toEqual(longCity);
  });

  it('writes the rest of every batch: each valid event is in its table or, refused, in the DLQ — exactly one', () => {
    const refused = new Set(longCity);
    const inTables = new Map<string, string>();
    for (const table of EVENT_TABLES)
      for (const id of idsOf(bq.rows(PROJECT, dataset, table))) inTables.set(id, table);
    for (const [id, type] of waves.mix.valid) {
      expect(inTables.has(id) !== refused.has(id), `event ${id} (${type})`).toBe(true);
    }
    expect(inTables.size + refused.size).toBe(waves.mix.valid.size);
    // The lake holds every accepted event: lake ⊇ warehouse.
    for (const type of EVENT_TYPES) {
      const lake = new Set(
        lakeLines(lakeDirOf(stack.dir), `output/${type}`).map((l) => eventIdOf(Buffer.from(l))),
      );
      const stored = [...inTables].filter(([, table]) => table === TABLE_OF_TYPE[type]).map(([id]) => id);
      expect(
        stored.filter((id) => !lake.has(id)),
        `${type}: in the warehouse but not the lake`,
      ).toEqual([]);
    }
  });

  it('sent each refused request again with only the good rows: no row stored twice, none too long', () => {
    const requests = bq.appends.filter((a) => a.table === `${PROJECT}.${dataset}.orders`);
    expect(requests.some((r) => r.outcome === 'INVALID_ARGUMENT')).toBe(true);
    const stored = bq.rows(PROJECT, dataset, 'orders');
    const okRows = requests.filter((r) => r.outcome === 'OK').reduce((n, r) => n + r.rowCount, 0);
    expect(okRows).toBe(stored.length);
    expect(new Set(stored.map((r) => r.event_id)).size).toBe(stored.length);
    expect(
      stored.filter((r) => [...String((r.shipping_address as { city: string }).city)].length > CITY_MAX),
    ).toEqual([]);
  });

  it('acks every message once it is durable, and counts the refused ones as dead-lettered', () => {
    expect(stats.acked).toBe(waves.total);
    expect(stats.deadLettered).toBe(waves.mix.invalidMessages + longCity.length);
    expect(stats.accepted).toBe(waves.total - stats.deadLettered);
    expect(rejectedMetric).toBe(longCity.length);
    expect(deadLetterBacklog).toBe(0);
  });
});

describe('missing warehouse tables (no setup yet): blocked, then resumed by itself once setup runs', () => {
  const dataset = 'set_up_later';
  let stack: LocalStack;
  let waves: PublishedWaves;
  let running: RunningPipeline;
  let blocked: HealthAnswer;
  let blockedMetric: number;
  let failures: number;
  let ackedWhileBlocked: number;
  let healthy: HealthAnswer;
  let metricAfter: number;
  let stats: PipelineStats;
  let deadLetterBacklog: number | undefined;
  const logs: { level: number; msg: string; sink?: string; code?: string }[] = [];

  beforeAll(async () => {
    stack = await createLocalStack();
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(800);
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    running = await startPipelineInProcess(stack.config, {
      warehouse: () => bigQuery(dataset),
      pipeline: { retryMaxBackoffMs: 1_000 },
      logger,
    });
    blocked = await waitFor('/healthz naming the warehouse as blocked', async () => {
      const health = await running.ops.health();
      return health?.status === 503 && health.blocked.warehouse ? health : undefined;
    });
    // Several seconds of retries while it stays blocked.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    blockedMetric = await running.ops.metric('shopstream_sink_blocked', {
      sink: 'warehouse',
      code: 'SHOP_E_WAREHOUSE_SCHEMA',
    });
    failures = await running.ops.metric('shopstream_sink_failures_total', { sink: 'warehouse' });
    ackedWhileBlocked = running.pipeline.stats.acked;

    await setUp(dataset); // the operator runs `shopstream setup`
    healthy = await running.ops.healthWith(200, { timeoutMs: 40_000 });
    await waitFor('every message acked', () => running.pipeline.stats.acked === waves.total, 40_000);
    metricAfter = await running.ops.metric('shopstream_sink_blocked', {
      sink: 'warehouse',
      code: 'SHOP_E_WAREHOUSE_SCHEMA',
    });
    stats = await running.stop();
    deadLetterBacklog = (await bus.describeSubscription(stack.config.deadLetterSubscription)).backlog;
    await bus.close();
  }, 120_000);
  afterAll(async () => {
    await running?.stop(1_000);
    stack?.remove();
  });

  it('answers 503 with the code and the fix in words', () => {
    expect(blocked.blocked.warehouse).toMatchObject({
      code: 'SHOP_E_WAREHOUSE_SCHEMA',
      message: expect.stringMatching(/Requested entity was not found.*run `shopstream setup`/),
      fix: expect.stringMatching(/run `shopstream setup`.*resumes on its own/),
    });
    expect(blocked.failing.warehouse).toBe(blocked.blocked.warehouse!.message);
  });

  it('raises shopstream_sink_blocked{sink="warehouse",code="SHOP_E_WAREHOUSE_SCHEMA"} while blocked, and 0 after', () => {
    expect(blockedMetric).toBe(1);
    expect(metricAfter).toBe(0);
  });

  it('holds the messages meanwhile: retried many times, nothing acked', () => {
    expect(failures).toBeGreaterThan(5);
    expect(ackedWhileBlocked).toBe(0);
  });

  it('logs the blockage once (it lasted under a minute), not once per retry', () => {
    const lines = logs.filter((l) => l.sink === 'warehouse' && l.level >= 50);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toMatch(/^warehouse blocked \(SHOP_E_WAREHOUSE_SCHEMA\): retrying cannot fix this/);
    expect(logs.some((l) => l.sink === 'warehouse' && l.msg === 'warehouse works again')).toBe(true);
  });

  it('resumes on its own once setup made the tables: healthy, everything acked, nothing dead-lettered for it', () => {
    expect(healthy).toMatchObject({ healthy: true, failing: {}, blocked: {} });
    expect(stats.acked).toBe(waves.total);
    expect(stats.deadLettered).toBe(waves.mix.invalidMessages);
    // The DLQ holds the messages that broke the contract, with their codes, and nothing else (bad
    // messages can share bytes, hence distinct pairs).
    const dlq = new Set(
      bq.rows(PROJECT, dataset, 'ingest_errors').map((r) => `${r.event_id} ${r.error_code}`),
    );
    expect([...dlq].sort()).toEqual([...waves.mix.invalid].map(([id, code]) => `${id} ${code}`).sort());
    const stored = EVENT_TABLES.flatMap((table) => idsOf(bq.rows(PROJECT, dataset, table)));
    expect(stored.sort()).toEqual([...waves.mix.valid.keys()].sort());
    expect(deadLetterBacklog).toBe(0);
  });
});

describe('a row the warehouse cannot store, in a backfill', () => {
  const dataset = 'backfill_refused';
  let stack: LocalStack;
  let progress: BackfillProgress;
  const long = {
    event_type: 'order',
    order_id: '0b6c1f8e-1f7a-4f8e-9c3b-2f1d7e9a4c11',
    customer_id: '6f1d2c3b-4a5e-4f60-8b7a-9c0d1e2f3a4b',
    order_date: new Date(Date.now() - 3_600_000).toISOString(),
    status: 'pending',
    items: [
      { product_id: '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d', product_name: 'Lamp', quantity: 1, price: 9.5 },
    ],
    shipping_address: { street: '1 Main St', city: 'Llanfairpwllgwyngyll', country: 'Wales' },
    total_amount: 9.5,
  };
  const short = {
    ...long,
    order_id: '0b6c1f8e-1f7a-4f8e-9c3b-2f1d7e9a4c12',
    shipping_address: { ...long.shipping_address, city: 'Cardiff' },
  };
  const lines = [JSON.stringify(long), JSON.stringify(short), '{"event_type":"order"}'];

  beforeAll(async () => {
    stack = await createLocalStack({ setup: false });
    await datasetWithNarrowCity(dataset);
    const archive = join(stack.dir, 'backup');
    mkdirSync(archive, { recursive: true });
    const name = archiveFileName(new Date(Date.now() - 3_600_000), {
      prefix: 'events_',
      suffix: '.json',
      datetimeFormat: 'YYYY-MM-DDTHH:mm:ssZ',
    });
    writeFileSync(join(archive, name), lines.join('\n') + '\n');
    const warehouse = bigQuery(dataset);
    await warehouse.start();
    try {
      progress = await runBackfill({
        source: new FileSource({ uri: archive, path: archive }),
        lake: new FileLake({ uri: `file:${lakeDirOf(stack.dir)}`, directory: lakeDirOf(stack.dir) }),
        warehouse,
        checkpoint: new BackfillCheckpoint(join(stack.dir, 'checkpoint.json'), archive),
        telemetry: new Telemetry(),
        logger: silentLogger,
      });
    } finally {
      await warehouse.close();
    }
  }, 60_000);
  afterAll(() => stack?.remove());

  it('dead-letters the refused row as in the stream, and writes the rest', () => {
    const [longId, shortId, invalidId] = lines.map((l) => eventIdOf(Buffer.from(l)));
    expect(progress).toMatchObject({ records: 3, accepted: 1, deadLettered: 2 });
    expect(idsOf(bq.rows(PROJECT, dataset, 'orders'))).toEqual([shortId]);
    const codes = new Map(dlqRecords(stack).map((r) => [r.event_id, r.error.code]));
    expect(codes).toEqual(
      new Map([
        [longId, 'SHOP_E_SINK_ROW_REJECTED'],
        [invalidId, 'SHOP_E_FIELD_MISSING'],
      ]),
    );
    expect(
      bq
        .rows(PROJECT, dataset, 'ingest_errors')
        .map((r) => [r.event_id, r.error_code])
        .sort(),
    ).toEqual([...codes].sort());
  });
});
