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
import { startCli, type CliResult } from '../support/run-cli.js';

const emulator = await startPubSubEmulator();
const WORKERS = 3;

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
    stack = await createLocalStack({ bus: 'pubsub:shopstream-workers' });
    const workerWarehouses = Array.from(
      { length: WORKERS },
      (_, i) => `duckdb:${join(stack.dir, `worker-${i}.duckdb`)}`,
    );
    for (const warehouse of workerWarehouses)
      await setupAll(loadConfig({ flags: { ...stack.config, warehouse }, env: {} }), silentLogger, {
        bus: false,
        warehouse: true,
      });
    const workers = workerWarehouses.map((warehouse) =>
      startCli(
        [...stack.flags, '--warehouse', warehouse, 'pipeline', 'run', '--exit-when-idle', '--idle', '6s'],
        { PUBSUB_EMULATOR_HOST: emulator!.host },
      ),
    );
    // Publish while the workers run, in waves, as live traffic arrives.
    const bus = await openBus(stack.config.bus);
    await bus.start();
    mix = await publishMix(bus, stack.config.topic, { count: 6_000, invalidRatio: 0.05, seed: 5 });
    await bus.close();
    results.push(...(await Promise.all(workers.map((w) => w.done))));
    // Merge the workers' rows into the stack's warehouse, as one BigQuery dataset would hold them.
    // (ATTACH reaches only folders a query may read: the workers' files are in the stack's.)
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
  }, 300_000);
  afterAll(async () => {
    stack?.remove();
    await emulator?.stop();
  });

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
