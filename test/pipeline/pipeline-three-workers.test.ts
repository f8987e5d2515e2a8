import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import { TABLE_OF_TYPE } from '../../src/warehouse/rows.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { setupAll } from '../../src/setup/setup-all.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { loadConfig } from '../../src/config/load-config.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { listFiles } from '../support/read-lake.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { startPubSubEmulator } from '../support/pubsub-emulator.js';
import { FrontEndProxy } from '../support/front-end-proxy.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { waitFor } from '../support/ops-client.js';
import { startPipelineProcess, type PipelineProcess } from '../faults/pipeline-process.js';
import type { ReconcileReport } from '../../src/reconcile/ledger.js';

const emulator = await startPubSubEmulator();
const WORKERS = 3;
afterAll(() => emulator?.stop());

/** Creates the DuckDB file of each worker (DuckDB allows one writer per file). */
async function workerWarehousesOf(stack: LocalStack): Promise<string[]> {
  const uris = Array.from({ length: WORKERS }, (_, i) => `duckdb:${join(stack.dir, `worker-${i}.duckdb`)}`);
  for (const warehouse of uris)
    await setupAll(loadConfig({ flags: { ...stack.config, warehouse }, env: {} }), silentLogger, {
      bus: false,
      warehouse: true,
    });
  return uris;
}

/** Merges the workers' rows into the stack's warehouse, as one BigQuery dataset would hold them. */
async function mergeWorkers(stack: LocalStack, workerWarehouses: readonly string[]): Promise<void> {
  // ATTACH reaches only folders a query may read: the workers' files are in the stack's.
  const merged = await openWarehouse(stack.config.warehouse, { readableDirectories: [stack.dir] });
  await merged.start();
  try {
    for (const [i, uri] of workerWarehouses.entries()) {
      await merged.query(`ATTACH '${uri.slice('duckdb:'.length)}' AS w${i} (READ_ONLY)`);
      for (const table of [...Object.values(TABLE_OF_TYPE), 'ingest_errors'])
        await merged.query(`INSERT INTO ${table} SELECT * FROM w${i}.${table}`);
      await merged.query(`DETACH w${i}`);
    }
  } finally {
    await merged.close();
  }
}

/**
 * Stateless workers: three pipeline processes share one subscription of the official Pub/Sub emulator
 * and one lake. In the cloud they append to one BigQuery dataset; DuckDB allows one writer per file,
 * so here each worker appends to its own DuckDB file and the test merges them before asking the views.
 */
describe.runIf(emulator)('three pipeline workers on one Pub/Sub subscription', () => {
  let stack: LocalStack;
  let mix: PublishedMix;
  const results: CliResult[] = [];

  beforeAll(async () => {
    process.env.PUBSUB_EMULATOR_HOST = emulator!.host;
    // A window smaller than the traffic: one worker cannot lease it all, so the others must share.
    stack = await createLocalStack({
      bus: 'pubsub:shopstream-workers',
      extra: { 'pipeline.maxOutstandingMessages': 500 },
    });
    const workerWarehouses = await workerWarehousesOf(stack);
    // All three are up before traffic arrives: the first one alone would otherwise take it all.
    const workers = await Promise.all(
      workerWarehouses.map((warehouse) =>
        startPipelineProcess([...stack.flags, '--warehouse', warehouse], { args: ['--exit-when-idle'] }),
      ),
    );
    // Publish while the workers run, as live traffic arrives.
    const bus = await openBus(stack.config.bus);
    await bus.start();
    mix = await publishMix(bus, stack.config.topic, { count: 6_000, invalidRatio: 0.05, seed: 5 });
    await bus.close();
    results.push(...(await Promise.all(workers.map((w) => w.done))));
    await mergeWorkers(stack, workerWarehouses);
  }, 300_000);
  afterAll(() => stack?.remove());

  it('every worker exits 0, and together they processed every message', () => {
    const stats = results.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { accepted: number; deadLettered: number };
    });
    const total = stats.reduce((sum, s) => sum + s.accepted + s.deadLettered, 0);
    expect(total).toBeGreaterThanOrEqual(mix.total);
    // The subscription was shared: more than one worker did work.
    expect(stats.filter((s) => s.accepted > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('lake file names never collide across workers', () => {
    const files = listFiles(lakeDirOf(stack.dir)).map((f) => f.split('/').pop()!);
    expect(new Set(files).size).toBe(files.length);
  });

  it('the views hold every event exactly once', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), mix);
  });
});

/**
 * A worker dies mid-drain (SIGKILL: no flush, no nack). Pub/Sub redelivers what it held when the
 * lease it had extended runs out (10 s, the stream ack deadline); the two others pick it up and
 * drain the subscription, and `shopstream reconcile` over the shared lake, the merged warehouse and
 * the history archive balances.
 *
 * The workers reach the emulator through a {@link FrontEndProxy}, as workers reach Pub/Sub through
 * Google's front ends. Reached directly, the emulator never notices that the killed worker's streams
 * died and keeps their messages leased to them (test/support/front-end-proxy.test.ts shows it): the
 * survivors then drain all but those, which is the emulator's defect, not the pipeline's.
 */
describe.runIf(emulator)(
  'three pipeline workers on one Pub/Sub subscription, one SIGKILLed mid-drain',
  () => {
    let stack: LocalStack;
    let mix: PublishedMix;
    let killedAfter = 0;
    let survivors: CliResult[] = [];
    let killed: CliResult;
    let reconciled: CliResult;
    let report: ReconcileReport;
    let frontEnd: FrontEndProxy;

    beforeAll(async () => {
      process.env.PUBSUB_EMULATOR_HOST = emulator!.host;
      frontEnd = await FrontEndProxy.start(emulator!.host);
      stack = await createLocalStack({ bus: 'pubsub:shopstream-worker-crash' });
      const workerWarehouses = await workerWarehousesOf(stack);
      const bus = await openBus(stack.config.bus);
      await bus.start();
      mix = await publishMix(bus, stack.config.topic, { count: 15_000, invalidRatio: 0.05, seed: 9 });
      await bus.close();
      const workers = await Promise.all(
        workerWarehouses.map((warehouse) =>
          startPipelineProcess([...stack.flags, '--warehouse', warehouse], {
            args: ['--exit-when-idle'],
            env: { PUBSUB_EMULATOR_HOST: frontEnd.host },
          }),
        ),
      );
      // The emulator shares messages out unevenly: the victim is whichever worker first holds a good
      // part of the traffic, so that it dies with messages leased and others still to come.
      const acked = async (w: PipelineProcess): Promise<number> => (await w.ops.health())?.stats.acked ?? 0;
      const victim = await waitFor(
        'a worker to be well into its share',
        async () => {
          const counts = await Promise.all(workers.map(acked));
          return workers[counts.findIndex((count) => count >= 1_000)];
        },
        120_000,
        20,
      );
      killedAfter = await acked(victim);
      victim.child.kill('SIGKILL');
      killed = await victim.done;
      survivors = await Promise.all(workers.filter((w) => w !== victim).map((w) => w.done));
      await mergeWorkers(stack, workerWarehouses);
      const archived = await runCli([...stack.flags, 'archive', 'run', '--exit-when-idle', '--idle', '1s']);
      expect(archived.code, archived.stderr).toBe(0);
      reconciled = await runCli([...stack.flags, 'reconcile', '--to', '2100-01-01', '--format', 'json']);
      report = JSON.parse(reconciled.stdout) as ReconcileReport;
    }, 300_000);
    afterAll(async () => {
      await frontEnd?.close();
      stack?.remove();
    });

    it('the victim died mid-drain; the two others exit 0', () => {
      expect(killed.signal).toBe('SIGKILL');
      expect(killedAfter).toBeLessThan(mix.total);
      for (const survivor of survivors) expect(survivor.code, survivor.stderr.slice(-2_000)).toBe(0);
    });

    it('reconcile balances over the shared lake and the merged warehouse', () => {
      expect(reconciled.code, reconciled.stderr + JSON.stringify(report?.gaps)).toBe(0);
      expect(report.totals).toMatchObject({
        archived: mix.valid.size + mix.invalid.size,
        warehouse: mix.valid.size,
        deadLettered: mix.invalid.size,
        missing: 0,
      });
    });

    it('the views hold every event exactly once', async () => {
      await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), mix);
    });
  },
);
