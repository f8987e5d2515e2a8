import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopology } from '../../src/bus/ensure-topology.js';
import type { MessageBus } from '../../src/bus/message-bus.js';
import { openBus } from '../../src/bus/open-bus.js';
import { loadConfig } from '../../src/config/load-config.js';
import { projectRoot } from '../../src/util/project-root.js';
import { FakeBigQueryServer } from '../support/fake-bigquery-server.js';
import type { VersionRequest } from '../support/bigquery-version-process.js';
import { listFiles } from '../support/read-lake.js';
import {
  NEW_ORDER_FIELDS,
  sentOrders,
  writeArchiveFile,
  writeEvolvedContract,
  type SentOrder,
} from './evolved-contract.js';

// A rolling upgrade on BigQuery (the fake server, which applies ALTER TABLE, schema patches and the
// fill's UPDATE as the service does, and records what arrives): the old and the new version of the
// pipeline, each a process fixed to its contract, share one embedded-bus subscription and one
// dataset; the new version's setup migrates the tables in between, and a fill from the archive
// completes the rows the old version wrote.

const PROJECT = 'evolution-project';
const DATASET = 'shop';
const dir = mkdtempSync(join(tmpdir(), 'evolution-bq-'));
const v2 = writeEvolvedContract(join(dir, 'schemas-v2'), 'compatible');
const v3 = writeEvolvedContract(join(dir, 'schemas-v3'), 'breaking');
const busUri = `embedded:${join(dir, 'bus')}`;
const lakeUri = `file:${join(dir, 'lake')}`;
const config = loadConfig({ flags: { bus: busUri, lake: lakeUri }, env: {} });
const published: SentOrder[] = [];
/** The DDL the new version's setup sends for the new top-level column. */
const EXPECTED_ALTER = `ALTER TABLE \`${PROJECT}.${DATASET}.orders\`\n  ADD COLUMN IF NOT EXISTS coupon_code STRING OPTIONS (description = "The coupon the customer redeemed, if any.")`;

let bq: FakeBigQueryServer;
let bus: MessageBus;

beforeAll(async () => {
  bq = await FakeBigQueryServer.start({ defaultProjectId: PROJECT });
  bus = await openBus(busUri);
  await bus.start();
  await ensureTopology(bus, config);
});

afterAll(async () => {
  await bus?.close();
  await bq?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface VersionResult {
  ok: boolean;
  code?: string;
  message?: string;
  migration?: { steps: { kind: string; target: string; statement: string }[]; addedColumns: string[] };
  stats?: { accepted: number; deadLettered: number };
  progress?: { accepted: number; updated: Record<string, number> };
}

/** A request running in a process of one version: its result, and (for a drain) when it pulls. */
interface RunningVersion {
  readonly result: Promise<VersionResult>;
  readonly ready: Promise<void>;
  /** Tells a drain started with drainAfterStdinLine that the test has published. */
  published(): void;
}

/** Starts one request in a process of the version whose contract is `schemas` (default: the project's). */
function startVersion(
  request: Omit<VersionRequest, 'restUrl' | 'grpcEndpoint' | 'projectId' | 'datasetId'>,
  schemas?: string,
): RunningVersion {
  const full: VersionRequest = {
    ...request,
    restUrl: bq.restUrl,
    grpcEndpoint: bq.grpcEndpoint,
    projectId: PROJECT,
    datasetId: DATASET,
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/bigquery-version-process.ts', JSON.stringify(full)],
    {
      cwd: projectRoot(),
      env: { ...process.env, SHOPSTREAM_SCHEMAS: schemas, SHOPSTREAM_LOG_LEVEL: undefined },
      stdio: 'pipe',
    },
  );
  let stdout = '';
  let stderr = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('{"ready":true}')) signalReady();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<VersionResult>((resolve, reject) =>
    child.on('close', (code) => {
      signalReady();
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as VersionResult);
      } catch {
        reject(new Error(`version process exited ${code} without a result:\n${stdout}\n${stderr}`));
      }
    }),
  );
  const sayPublished = () => void child.stdin.end('\n');
  return { result, ready, published: sayPublished };
}

const version = (request: Parameters<typeof startVersion>[0], schemas?: string): Promise<VersionResult> =>
  startVersion(request, schemas).result;

const drain = (schemas?: string) => version({ action: 'drain', bus: busUri, lake: lakeUri }, schemas);

async function publish(orders: SentOrder[]): Promise<void> {
  await bus.publish(
    config.topic,
    orders.map((o) => ({ data: o.payload })),
  );
  published.push(...orders);
}

const orderRows = () => bq.rows(PROJECT, DATASET, 'orders');
const fieldNames = (fields: readonly { name: string }[] | undefined) => (fields ?? []).map((f) => f.name);
const schemaOf = () => bq.table(PROJECT, DATASET, 'orders')!.schema;

describe.sequential('a rolling upgrade on BigQuery', () => {
  it('the old version sets up and accepts events that carry the new fields, keeping them in the lake only', async () => {
    const setup = await version({ action: 'setup' });
    expect(setup, setup.message).toMatchObject({ ok: true });
    await publish(sentOrders(20));
    const old = await drain();
    expect(old.stats).toMatchObject({ accepted: 20, deadLettered: 0 });
    expect(orderRows()).toHaveLength(20);
    expect(orderRows().filter((r) => 'coupon_code' in r)).toEqual([]);
    const lake = join(dir, 'lake', 'output', 'order');
    const lines = listFiles(lake).flatMap((f) => readFileSync(join(lake, f), 'utf8').trim().split('\n'));
    expect(lines.filter((l) => l.includes('"coupon_code":"SPRING-'))).toHaveLength(10);
  });

  it('the new version plans the migration in a dry run without changing the table', async () => {
    const plan = await version({ action: 'setup', dryRun: true }, v2);
    expect(plan, plan.message).toMatchObject({ ok: true });
    expect(plan.migration!.addedColumns).toEqual(NEW_ORDER_FIELDS);
    const alter = plan.migration!.steps.find((s) => s.kind === 'add-column')!;
    expect(alter.statement).toBe(EXPECTED_ALTER);
    const patch = plan.migration!.steps.find((s) => s.kind === 'patch-schema')!;
    expect(patch.statement).toContain(
      'items.discount (NULLABLE NUMERIC), shipping_address.postal_code (NULLABLE STRING)',
    );
    expect(fieldNames(schemaOf())).not.toContain('coupon_code');
    expect(bq.statements.filter((s) => /^ALTER/.test(s.sql))).toEqual([]);
  });

  it('the new version migrates: ALTER TABLE for the top-level column, tables.patch for the RECORD fields, rows kept', async () => {
    const rowsBefore = orderRows();
    const setup = await version({ action: 'setup' }, v2);
    expect(setup, setup.message).toMatchObject({ ok: true });
    expect(bq.statements.filter((s) => /^ALTER TABLE/.test(s.sql)).map((s) => s.sql)).toEqual([
      EXPECTED_ALTER,
    ]);
    const patches = bq.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/tables/orders'));
    expect(patches).toHaveLength(1);
    expect(patches[0]!.status).toBe(200);
    // New fields arrive at the end of the table and of their records, as BigQuery adds them.
    const schema = schemaOf();
    expect(fieldNames(schema).slice(-1)).toEqual(['coupon_code']);
    expect(fieldNames(schema.find((f) => f.name === 'items')!.fields).slice(-1)).toEqual(['discount']);
    expect(fieldNames(schema.find((f) => f.name === 'shipping_address')!.fields).slice(-1)).toEqual([
      'postal_code',
    ]);
    expect(schema.find((f) => f.name === 'coupon_code')).toMatchObject({ type: 'STRING', mode: 'NULLABLE' });
    expect(orderRows()).toEqual(rowsBefore);
    // The views were re-pointed at the model's queries, which show the new column.
    const dedup = bq.table(PROJECT, DATASET, 'orders_dedup')!.resource.view as { query: string };
    expect(dedup.query).toContain('coupon_code');
    // Running it again finds nothing to add.
    const again = await version({ action: 'setup', dryRun: true }, v2);
    expect(again.migration!.addedColumns).toEqual([]);
  });

  it('both versions write into the migrated table: the old one leaves the new columns NULL, the new one fills them', async () => {
    const oldWave = sentOrders(10, 20);
    await publish(oldWave);
    expect((await drain()).stats).toMatchObject({ accepted: 10, deadLettered: 0 });
    const newWave = sentOrders(10, 30);
    await publish(newWave);
    expect((await drain(v2)).stats).toMatchObject({ accepted: 10, deadLettered: 0 });
    const byOrder = new Map(orderRows().map((r) => [r.order_id, r]));
    for (const sent of oldWave) expect(byOrder.get(sent.orderId)?.coupon_code ?? null).toBeNull();
    for (const sent of newWave) {
      const row = byOrder.get(sent.orderId) as {
        coupon_code: unknown;
        items: { discount: unknown }[];
        shipping_address: { postal_code: unknown };
      };
      expect(row.coupon_code).toBe(sent.coupon);
      expect(row.items[0]!.discount).toBe(sent.coupon ? '0.5' : null);
      expect(row.shipping_address.postal_code).toBe(sent.coupon ? '69001' : null);
    }
  });

  it('side by side on one subscription, every event lands once, in whichever version took it', async () => {
    // Both pull before anything is published, each holding at most 4 messages at a time, so the
    // subscription's messages are shared between them as between the instances of a rollout.
    // They drain (stop once the backlog is 0) only after the publish.
    const request = {
      action: 'drain',
      bus: busUri,
      lake: lakeUri,
      maxOutstandingMessages: 4,
      drainAfterStdinLine: true,
    } as const;
    const running = [startVersion(request), startVersion(request, v2)];
    await Promise.all(running.map((r) => r.ready));
    const wave = sentOrders(40, 40);
    await publish(wave);
    for (const r of running) r.published();
    const [old, now] = (await Promise.all(running.map((r) => r.result))) as [VersionResult, VersionResult];
    expect(old.ok && now.ok, `${old.message} ${now.message}`).toBe(true);
    expect(old.stats!.deadLettered + now.stats!.deadLettered).toBe(0);
    expect(old.stats!.accepted + now.stats!.accepted).toBe(40);
    expect(old.stats!.accepted).toBeGreaterThan(0);
    expect(now.stats!.accepted).toBeGreaterThan(0);
    const rows = orderRows();
    expect(new Set(rows.map((r) => r.order_id)).size).toBe(published.length);
    for (const sent of wave) {
      const row = rows.find((r) => r.order_id === sent.orderId)!;
      expect([null, sent.coupon]).toContain(row.coupon_code ?? null);
    }
  });

  it('a fill from the archive completes the rows the old version wrote, in place', async () => {
    // What the history subscription archived: every published payload.
    writeArchiveFile(join(dir, 'backup'), '2025-03-01T10:00:00Z', published);
    const withCoupon = published.filter((o) => o.coupon);
    const lacking = orderRows().filter(
      (r) => withCoupon.some((o) => o.orderId === r.order_id) && (r.coupon_code ?? null) === null,
    );
    expect(lacking.length).toBeGreaterThan(0);
    const targets = ['orders.coupon_code', 'orders.items.discount', 'orders.shipping_address.postal_code'];
    const fill = await version({ action: 'fill', from: join(dir, 'backup'), targets }, v2);
    expect(fill, fill.message).toMatchObject({ ok: true });
    expect(fill.progress!.updated).toEqual({
      'orders.coupon_code': lacking.length,
      'orders.items.discount': lacking.length,
      'orders.shipping_address.postal_code': lacking.length,
    });
    const rows = orderRows();
    expect(rows).toHaveLength(published.length);
    for (const sent of published) {
      const row = rows.find((r) => r.order_id === sent.orderId) as {
        coupon_code?: unknown;
        items: { discount?: unknown }[];
      };
      expect(row.coupon_code ?? null).toBe(sent.coupon);
      expect(row.items[0]!.discount ?? null).toBe(sent.coupon ? '0.5' : null);
    }
    const update = bq.statements.find(
      (s) => s.sql.startsWith('UPDATE') && s.sql.includes('SET coupon_code'),
    )!;
    expect(update.sql).toMatch(
      /WHERE t\.event_id = s\.event_id AND t\.coupon_code IS NULL AND t\.order_date BETWEEN TIMESTAMP\("2025-03-01T/,
    );
    expect(bq.tableIds(PROJECT, DATASET).filter((t) => t.startsWith('_shopstream_fill'))).toEqual([]);
    const again = await version({ action: 'fill', from: join(dir, 'backup'), targets }, v2);
    expect(Object.values(again.progress!.updated)).toEqual([0, 0, 0]);
    expect(bq.unsupported).toEqual([]);
  });

  it('a breaking change is refused by setup, which sends no change', async () => {
    const requests = bq.requests.length;
    const refused = await version({ action: 'setup' }, v3);
    expect(refused.ok).toBe(false);
    expect(refused.code).toBe('SHOP_E_WAREHOUSE_BREAKING_CHANGE');
    expect(refused.message).toContain('orders.customer_id is in the warehouse but not in the model');
    expect(refused.message).toContain(
      'orders.total_amount is REQUIRED NUMERIC in the warehouse, the model has REQUIRED STRING',
    );
    expect(bq.requests.slice(requests).filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
