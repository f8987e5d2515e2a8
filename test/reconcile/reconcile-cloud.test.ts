import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiverProcess } from '../../src/archive/run-archiver-process.js';
import { openBus } from '../../src/bus/open-bus.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/settings.js';
import { eventIdOf } from '../../src/contract/event-id.js';
import { createGcsStorage } from '../../src/lake/gcs/gcs-storage.js';
import type { ReconcileReport } from '../../src/reconcile/ledger.js';
import type { ReconcileOptions } from '../../src/reconcile/reconcile-options.js';
import { reconcileFromConfig } from '../../src/reconcile/reconcile-from-config.js';
import { setupAll } from '../../src/setup/setup-all.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { FakeBigQueryServer } from '../support/fake-bigquery-server.js';
import { FakeGcsServer, type FakeGcsObject } from '../support/fake-gcs-server.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { drainInProcess } from '../support/run-pipeline-in-process.js';
import { runCli, type CliResult } from '../support/run-cli.js';

/**
 * `reconcile` on the Google Cloud targets: lake and archive in Cloud Storage (gs://, on the local
 * JSON API server), warehouse and DLQ table in BigQuery (the local REST + Storage Write API server).
 * A real pipeline (embedded bus) writes the lake and BigQuery; the history archiver writes the
 * archive to gs:// and names its files as a Cloud Storage subscription does. Then the ledger must
 * balance, and each kind of damage done on these targets must be found and named.
 *
 * The ledger is taken with reconcileFromConfig, what `shopstream reconcile` calls, with the
 * configuration's gs:// URIs (the Storage library reaches the local server through
 * STORAGE_EMULATOR_HOST, as it would for any Cloud Storage emulator). Its warehouse queries go to a
 * BigQueryWarehouse on the local server: a `bigquery:` URI always means Google's endpoints with
 * Application Default Credentials (test/support/bigquery-version-process.ts has the same reason).
 */
const PROJECT = 'reconcile-cloud';
const DATASET = 'shop';
const LAKE_BUCKET = 'shop-lake';
const ARCHIVE_BUCKET = 'shop-backup';
const FAR_FUTURE = new Date('2100-01-01T00:00:00Z');

let gcs: FakeGcsServer;
const savedEmulatorHost = process.env.STORAGE_EMULATOR_HOST;
beforeAll(async () => {
  gcs = await FakeGcsServer.start({ buckets: [LAKE_BUCKET, ARCHIVE_BUCKET] });
  process.env.STORAGE_EMULATOR_HOST = gcs.url;
});
afterAll(async () => {
  await gcs?.close();
  if (savedEmulatorHost === undefined) delete process.env.STORAGE_EMULATOR_HOST;
  else process.env.STORAGE_EMULATOR_HOST = savedEmulatorHost;
});

/** The event ids of a lake object's lines. */
const lakeIdsOf = (data: Buffer): string[] =>
  data
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => eventIdOf(Buffer.from(line, 'utf8')));

/**
 * Deletes the first lake object under `prefix` through the Cloud Storage API, as a person would;
 * returns it, and the event ids no other object holds (what the lake is then short of).
 */
async function deleteLakeObject(
  bucket: string,
  prefix: string,
): Promise<{ key: string; object: FakeGcsObject; onlyThere: string[] }> {
  const objects = gcs.objects(bucket);
  const [key, object] = [...objects].find(([name]) => name.startsWith(prefix))!;
  const elsewhere = new Set(
    [...objects].filter(([name]) => name !== key).flatMap(([, other]) => lakeIdsOf(other.data)),
  );
  const onlyThere = [...new Set(lakeIdsOf(object.data))].filter((id) => !elsewhere.has(id)).sort();
  expect(onlyThere.length).toBeGreaterThan(0);
  await createGcsStorage({ apiEndpoint: gcs.url }).bucket(bucket).file(key).delete();
  return { key, object, onlyThere };
}

describe('shopstream reconcile on Cloud Storage and BigQuery', () => {
  let bq: FakeBigQueryServer;
  let dir: string;
  let config: Config;
  let mix: PublishedMix;
  let queries: BigQueryWarehouse;
  let startedAt: number;

  const bigQuery = (): BigQueryWarehouse =>
    new BigQueryWarehouse({
      uri: config.warehouse,
      projectId: PROJECT,
      datasetId: DATASET,
      apiEndpoint: bq.restUrl,
      writeEndpoint: bq.grpcEndpoint,
      credentials: 'none',
      retry: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 },
    });
  const reconcile = (options: ReconcileOptions = {}): Promise<ReconcileReport> =>
    reconcileFromConfig(config, { to: FAR_FUTURE, limit: 1_000, ...options }, undefined, (sql) =>
      queries.query(sql),
    );
  const configWith = (extra: Record<string, unknown> = {}): Config =>
    loadConfig({
      flags: {
        bus: `embedded:${join(dir, 'bus')}`,
        lake: `gs://${LAKE_BUCKET}`,
        archive: `gs://${ARCHIVE_BUCKET}/backup`,
        warehouse: `bigquery:${PROJECT}.${DATASET}`,
        logLevel: 'warn',
        ...extra,
      },
      env: {},
    });
  /** `shopstream archive run --exit-when-idle`, in this process: the history subscription → gs://. */
  const archive = async (extra: Record<string, unknown> = {}): Promise<void> => {
    await runArchiverProcess({
      config: configWith(extra),
      logger: silentLogger,
      exitWhenIdle: true,
      idleMs: 1_000,
    });
  };

  beforeAll(async () => {
    bq = await FakeBigQueryServer.start({ defaultProjectId: PROJECT });
    dir = mkdtempSync(join(tmpdir(), 'shopstream-reconcile-cloud-'));
    config = configWith();
    await setupAll(config, silentLogger, { bus: true, warehouse: false });
    const setup = bigQuery();
    await setup.start();
    await setup.ensureSchema();
    await setup.close();
    queries = bigQuery();
    await queries.start();

    startedAt = Date.now();
    const bus = await openBus(config.bus);
    await bus.start();
    mix = await publishMix(bus, config.topic, { count: 1_500, invalidRatio: 0.05, seed: 13 });
    await bus.close();
    await archive();
    const stats = await drainInProcess(config, { warehouse: bigQuery() });
    expect(stats.acked).toBe(mix.total);
  }, 120_000);

  afterAll(async () => {
    await queries?.close();
    await bq?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('balances after a clean run: every published message archived on gs://, in BigQuery or its DLQ, and in the gs:// lake', async () => {
    const report = await reconcile();
    expect(report.balanced).toBe(true);
    expect(report.totals).toEqual({
      archived: mix.valid.size + mix.invalid.size,
      lake: mix.valid.size,
      warehouse: mix.valid.size,
      deadLettered: mix.invalid.size,
      missing: 0,
      unarchived: 0,
      lakeShort: 0,
      both: 0,
    });
    const storedOfType = (type: string): number =>
      report.buckets.filter((b) => b.type === type).reduce((n, b) => n + b.warehouse, 0);
    expect({
      order: storedOfType('order'),
      inventory: storedOfType('inventory'),
      user_activity: storedOfType('user_activity'),
    }).toEqual(mix.byType);
    const expectedCodes: Record<string, number> = {};
    for (const code of mix.invalid.values()) expectedCodes[code] = (expectedCodes[code] ?? 0) + 1;
    expect(report.deadLetteredByCode).toEqual(expectedCodes);
    // Everything is where the targets say, named as on Google Cloud; no local folder was written.
    const archiveNames = [...gcs.objects(ARCHIVE_BUCKET).keys()];
    expect(archiveNames.length).toBeGreaterThan(0);
    for (const name of archiveNames)
      expect(name).toMatch(/^backup\/events_\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z_[0-9a-f-]{36}\.json$/);
    expect([...gcs.objects(LAKE_BUCKET).keys()].some((name) => name.startsWith('output/errors/'))).toBe(true);
    expect(readdirSync(dir)).toEqual(['bus']);
    // It read what it says it read: archive objects on gs://, BigQuery's tables through SQL.
    expect(gcs.requestsOf('download').length).toBeGreaterThan(0);
    expect(bq.statements.filter((s) => /UNIX_MILLIS/.test(s.sql))).toHaveLength(4);
    expect(gcs.unsupported).toEqual([]);
    expect(bq.unsupported).toEqual([]);
  });

  it('over a range, BigQuery is asked only for the partitions of the range, and the ledger still balances', async () => {
    const from = new Date(startedAt - 60_000);
    const before = bq.statements.length;
    const report = await reconcile({ from, by: 'minute' });
    expect(report.balanced).toBe(true);
    expect(report.totals).toMatchObject({
      archived: mix.valid.size + mix.invalid.size,
      warehouse: mix.valid.size,
      deadLettered: mix.invalid.size,
    });
    const sent = bq.statements.slice(before).map((s) => s.sql);
    expect(sent).toContain(
      `SELECT event_id, UNIX_MILLIS(order_date) AS t FROM orders WHERE order_date >= TIMESTAMP '${from.toISOString()}' AND order_date < TIMESTAMP '${FAR_FUTURE.toISOString()}'`,
    );
    expect(
      sent.filter((sql) => / FROM (orders|inventory|user_activity) WHERE \w+ >= TIMESTAMP /.test(sql)),
    ).toHaveLength(3);
    expect(bq.unsupported).toEqual([]);
  });

  it('needs only read access to both buckets (Storage Object Viewer): it writes nothing there', async () => {
    const uploads = gcs.requestsOf('upload').length;
    gcs.setReadOnly(LAKE_BUCKET);
    gcs.setReadOnly(ARCHIVE_BUCKET);
    try {
      const report = await reconcile();
      expect(report.balanced).toBe(true);
      expect(report.totals.archived).toBe(mix.valid.size + mix.invalid.size);
    } finally {
      gcs.setReadOnly(LAKE_BUCKET, false);
      gcs.setReadOnly(ARCHIVE_BUCKET, false);
    }
    expect(gcs.requestsOf('upload')).toHaveLength(uploads);
  });

  it('names a lake bucket that does not exist, with a SHOP_E code', async () => {
    const elsewhere = { ...config, lake: 'gs://no-such-lake' };
    const error = await reconcileFromConfig(elsewhere, { to: FAR_FUTURE }, undefined, (sql) =>
      queries.query(sql),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SHOP_E_LAKE_READ' });
    expect((error as Error).message).toMatch(
      /cannot list gs:\/\/no-such-lake\/output\/.*bucket does not exist/,
    );
  });

  it('names the events of a lake object deleted from the bucket as "lake short"', async () => {
    const { key, object, onlyThere } = await deleteLakeObject(LAKE_BUCKET, 'output/inventory/');
    try {
      const report = await reconcile();
      expect(report.balanced).toBe(false);
      expect(report.gaps.lakeShort.count).toBe(onlyThere.length);
      expect(report.gaps.lakeShort.first.map((g) => g.eventId).sort()).toEqual(onlyThere);
      expect(report.gaps.lakeShort.first.every((g) => g.type === 'inventory')).toBe(true);
      expect(report.totals).toMatchObject({ missing: 0, unarchived: 0, both: 0 });
    } finally {
      gcs.putObject(LAKE_BUCKET, key, object.data, object.contentType);
    }
    expect((await reconcile()).balanced).toBe(true);
  });

  it('names an order row gone from the BigQuery table as "missing": archived, neither stored nor dead-lettered', async () => {
    const [eventId] = [...mix.valid].find(([, type]) => type === 'order')!;
    const rows = bq.table(PROJECT, DATASET, 'orders')!.rows;
    // The local server runs no DELETE: take the rows out of its store, as a deletion would.
    const removed = rows.filter((row) => row.event_id === eventId);
    expect(removed.length).toBeGreaterThan(0);
    bq.table(PROJECT, DATASET, 'orders')!.rows = rows.filter((row) => row.event_id !== eventId);
    try {
      const report = await reconcile();
      expect(report.balanced).toBe(false);
      expect(report.gaps.missing.first).toEqual([expect.objectContaining({ eventId, type: 'order' })]);
      expect(report.totals).toMatchObject({ missing: 1, lakeShort: 0, unarchived: 0, both: 0 });
      expect(report.totals.warehouse).toBe(mix.valid.size - 1);
    } finally {
      bq.table(PROJECT, DATASET, 'orders')!.rows.push(...removed);
    }
  });

  it('names messages archived but never processed as "missing", also in date-folder archive names; balances once the pipeline catches up', async () => {
    const bus = await openBus(config.bus);
    await bus.start();
    const late = await publishMix(bus, config.topic, { count: 1, invalidRatio: 0, seed: 99 });
    const [validId, validType] = [...late.valid][0]!;
    const invalid = Buffer.from(
      JSON.stringify({ event_type: 'nonsense', note: 'published while no pipeline ran' }),
    );
    await bus.publish(config.topic, [{ data: invalid }]);
    await bus.close();
    // The other file naming a Cloud Storage subscription offers: events_YYYY-MM-DD/hh_mm_ssZ_<id>.json.
    await archive({ 'archive.datetimeFormat': 'YYYY-MM-DD/hh_mm_ssZ' });
    const dated = [...gcs.objects(ARCHIVE_BUCKET).keys()].filter((name) =>
      /^backup\/events_\d{4}-\d{2}-\d{2}\/\d{2}_\d{2}_\d{2}Z_/.test(name),
    );
    expect(dated).toHaveLength(1);

    const report = await reconcile();
    expect(report.balanced).toBe(false);
    expect(report.gaps.missing.count).toBe(2);
    expect(
      report.gaps.missing.first
        .map(({ eventId, type }) => ({ eventId, type }))
        .sort((a, b) => (a.type < b.type ? -1 : 1)),
    ).toEqual(
      [
        { eventId: eventIdOf(invalid), type: 'invalid' },
        { eventId: validId, type: validType },
      ].sort((a, b) => (a.type < b.type ? -1 : 1)),
    );

    const stats = await drainInProcess(config, { warehouse: bigQuery() });
    expect(stats.acked).toBe(2);
    const caughtUp = await reconcile();
    expect(caughtUp.balanced).toBe(true);
    expect(caughtUp.totals).toMatchObject({
      archived: mix.valid.size + mix.invalid.size + 2,
      warehouse: mix.valid.size + 1,
      deadLettered: mix.invalid.size + 1,
    });
    expect(bq.unsupported).toEqual([]);
  });
});

/**
 * The command itself on gs://, with a DuckDB warehouse (the pair a laptop can run end to end): the
 * archiver, the pipeline and `shopstream reconcile` are child processes that reach the local Cloud
 * Storage server through STORAGE_EMULATOR_HOST, as they would any emulator.
 */
describe('shopstream reconcile (the command) on gs:// with DuckDB', () => {
  const lakeBucket = 'cli-lake';
  let dir: string;
  let flags: string[];
  let mix: PublishedMix;
  const cli = (...args: string[]): Promise<CliResult> =>
    runCli([...flags, ...args], { STORAGE_EMULATOR_HOST: gcs.url });
  const reconcile = (): Promise<CliResult> =>
    cli('reconcile', '--to', '2100-01-01', '--format', 'json', '--limit', '1000');

  beforeAll(async () => {
    gcs.createBucket(lakeBucket);
    gcs.createBucket('cli-backup');
    dir = mkdtempSync(join(tmpdir(), 'shopstream-reconcile-gs-duckdb-'));
    const targets = {
      bus: `embedded:${join(dir, 'bus')}`,
      lake: `gs://${lakeBucket}`,
      archive: 'gs://cli-backup/backup',
      warehouse: `duckdb:${join(dir, 'warehouse.duckdb')}`,
    };
    flags = Object.entries(targets).flatMap(([key, value]) => [`--${key}`, value]);
    const config = loadConfig({ flags: { ...targets, logLevel: 'warn' }, env: {} });
    await setupAll(config, silentLogger, { bus: true, warehouse: true });
    const bus = await openBus(config.bus);
    await bus.start();
    mix = await publishMix(bus, config.topic, { count: 400, invalidRatio: 0.05, seed: 17 });
    await bus.close();
    for (const command of [
      ['archive', 'run', '--exit-when-idle', '--idle', '1s'],
      ['pipeline', 'run', '--exit-when-idle'],
    ]) {
      const result = await cli(...command);
      expect(result.code, result.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on a clean run, and 1 naming the events of a lake object deleted from the bucket', async () => {
    const clean = await reconcile();
    expect(clean.code, clean.stderr).toBe(0);
    expect((JSON.parse(clean.stdout) as ReconcileReport).totals).toMatchObject({
      archived: mix.valid.size + mix.invalid.size,
      lake: mix.valid.size,
      warehouse: mix.valid.size,
      deadLettered: mix.invalid.size,
      missing: 0,
    });

    const { onlyThere } = await deleteLakeObject(lakeBucket, 'output/order/');
    const short = await reconcile();
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('SHOP_E_RECONCILE_UNBALANCED');
    const report = JSON.parse(short.stdout) as ReconcileReport;
    expect(report.gaps.lakeShort.count).toBe(onlyThere.length);
    expect(report.gaps.lakeShort.first.map((g) => g.eventId).sort()).toEqual(onlyThere);
    expect(gcs.unsupported).toEqual([]);
  });
});
