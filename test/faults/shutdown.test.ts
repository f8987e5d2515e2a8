import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import type { Config } from '../../src/config/settings.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { waitFor, type HealthAnswer } from '../support/ops-client.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { SmallDisk } from '../support/small-disk.js';
import { warehouseOnSmallDisk } from './warehouse-on-small-disk.js';
import { drainInProcess } from '../support/run-pipeline-in-process.js';
import { FlakyWarehouse } from './flaky-warehouse.js';
import { startPipelineProcess, statsOf } from './pipeline-process.js';
import { PublishedWaves } from './published-waves.js';
import { startPipelineInProcess } from './running-pipeline.js';

/** What `shopstream pipeline run` promises on SIGTERM (issue 4): exit within 30 s. */
const SHUTDOWN_LIMIT_MS = 30_000;

/**
 * SIGTERM in the middle of a drain: the process stops pulling, writes and acks what it holds, and
 * exits 0 in time. What it acked is exactly what it wrote (the backlog left is published − acked, and
 * the raw tables hold one row per acked event); a restart processes the rest, and no message is
 * written twice.
 */
describe('SIGTERM while draining', () => {
  let stack: LocalStack;
  let waves: PublishedWaves;
  let ackedAtSignal = 0;
  let result: CliResult & { exitMs: number };
  let backlogAfter: number | undefined;
  let rowsAfter: { events: number; errors: number };
  let restart: CliResult;

  beforeAll(async () => {
    // Small flow control and batches, so the drain takes a few seconds and SIGTERM lands mid-way.
    stack = await createLocalStack({
      extra: { 'pipeline.maxOutstandingMessages': 400, 'pipeline.flushMaxAgeMs': 50 },
    });
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(10_000);
    const pipeline = await startPipelineProcess(stack.flags);
    ackedAtSignal = await waitFor(
      'a first share acked',
      async () => {
        const { acked } = (await pipeline.ops.health())!.stats;
        return acked >= 1_000 && acked;
      },
      30_000,
      20,
    );
    result = await pipeline.terminate();
    backlogAfter = (await bus.describeSubscription(stack.config.subscription)).backlog;
    await bus.close();
    rowsAfter = await countRows(stack.config);
    restart = await runCli([...stack.flags, 'pipeline', 'run', '--exit-when-idle', '--idle', '1s']);
  }, 120_000);
  afterAll(() => stack?.remove());

  it(`exits 0 within ${SHUTDOWN_LIMIT_MS / 1000} s of SIGTERM`, () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.exitMs).toBeLessThan(SHUTDOWN_LIMIT_MS);
  });

  it('stopped mid-drain, leaving exactly published − acked on the subscription', () => {
    const stats = statsOf(result);
    expect(stats.acked).toBeGreaterThanOrEqual(ackedAtSignal);
    expect(stats.acked).toBeLessThan(waves.total);
    expect(backlogAfter).toBe(waves.total - stats.acked);
  });

  it('acked everything it wrote: one raw row per acked event or DLQ record, none unacked', () => {
    const stats = statsOf(result);
    expect(rowsAfter).toEqual({ events: stats.accepted, errors: stats.deadLettered });
  });

  it('a restart processes the rest: every event once, and no message written twice', async () => {
    expect(restart.code, restart.stderr).toBe(0);
    expect(statsOf(restart).acked).toBe(backlogAfter);
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix, { exactRaw: true });
  });
});

const canMount = SmallDisk.supported();

/**
 * SIGTERM while the warehouse is failing (its disk is full, for real): the process retries the
 * batch until the shutdown deadline, then nacks what it could not write and exits, still within the
 * 30 s promised. Nothing was acked; a restart once there is space processes everything, and no valid
 * event went to the dead-letter topic.
 */
describe.runIf(canMount)('SIGTERM while the warehouse is failing', () => {
  let stack: LocalStack;
  let disk: SmallDisk;
  let config: Config;
  let waves: PublishedWaves;
  let unhealthy: HealthAnswer;
  let result: CliResult & { exitMs: number };
  let backlogAfter: number | undefined;
  let restart: CliResult;
  let deadLetterBacklog: number | undefined;

  beforeAll(async () => {
    stack = await createLocalStack();
    let warehouse: string;
    ({ disk, warehouse, config } = await warehouseOnSmallDisk(stack));
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(2_000);
    disk.fill();

    const pipeline = await startPipelineProcess([...stack.flags, '--warehouse', warehouse]);
    unhealthy = await pipeline.ops.healthWith(503, { failing: 'warehouse' });
    // Let the retries back off for a while first: a long backoff must not delay the exit.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    result = await pipeline.terminate();
    backlogAfter = (await bus.describeSubscription(stack.config.subscription)).backlog;

    disk.free();
    restart = await runCli([
      ...stack.flags,
      '--warehouse',
      warehouse,
      'pipeline',
      'run',
      '--exit-when-idle',
      '--idle',
      '1s',
    ]);
    deadLetterBacklog = (await bus.describeSubscription(stack.config.deadLetterSubscription)).backlog;
    await bus.close();
  }, 150_000);
  afterAll(() => {
    disk?.unmount();
    stack?.remove();
  });

  it('was failing for real when the signal came', () => {
    // The rows are staged beside the DuckDB file, so the full disk fails the staging write (ENOSPC:
    // no space left on device) or DuckDB's own write (No space left on device), whichever comes first.
    expect(unhealthy.failing.warehouse).toMatch(/no space left on device/i);
  });

  it(`exits within ${SHUTDOWN_LIMIT_MS / 1000} s of SIGTERM, saying it nacked the batch it could not write`, () => {
    expect(result.exitMs).toBeLessThan(SHUTDOWN_LIMIT_MS);
    expect(result.code, result.stderr.slice(-2_000)).toBe(0);
    expect(result.stderr).toMatch(/shutdown while warehouse fails; batch nacked for redelivery/);
  });

  it('acked nothing it could not write: every message is still on the subscription', () => {
    expect(statsOf(result).acked).toBe(0);
    expect(backlogAfter).toBe(waves.total);
  });

  it('a restart with space again processes everything; nothing went to the dead-letter topic', async () => {
    expect(restart.code, restart.stderr).toBe(0);
    expect(deadLetterBacklog).toBe(0);
    await expectEveryEventAccountedFor(config, lakeDirOf(stack.dir), waves.mix);
  });
});

/** The shutdown deadline given to close() below: short, the promise is the same as with 25 s. */
const CLOSE_DEADLINE_MS = 3_000;

/**
 * A warehouse write that never returns (a connection that stopped answering) when the pipeline is
 * told to stop: close() does not wait for it past its deadline; the batch is nacked, nothing acked,
 * and a later run writes everything.
 */
describe('close() while a warehouse write hangs (pipeline in process)', () => {
  let stack: LocalStack;
  let waves: PublishedWaves;
  let closeMs = 0;
  let acked = -1;
  let deadLetterBacklog: number | undefined;

  beforeAll(async () => {
    stack = await createLocalStack();
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_000);
    const running = await startPipelineInProcess(stack.config, {
      warehouse: (real) => {
        const flaky = new FlakyWarehouse(real);
        flaky.hang();
        return flaky;
      },
    });
    await waitFor('every message received', () => running.pipeline.stats.received === waves.total);
    const started = Date.now();
    acked = (await running.stop(CLOSE_DEADLINE_MS)).acked;
    closeMs = Date.now() - started;
    await drainInProcess(stack.config);
    deadLetterBacklog = (await bus.describeSubscription(stack.config.deadLetterSubscription)).backlog;
    await bus.close();
  }, 120_000);
  afterAll(() => stack?.remove());

  it('returns soon after its deadline instead of waiting for the hung write, having acked nothing', () => {
    expect(closeMs).toBeGreaterThanOrEqual(CLOSE_DEADLINE_MS - 100);
    expect(closeMs).toBeLessThan(CLOSE_DEADLINE_MS + 2_000);
    expect(acked).toBe(0);
  });

  it('a later run writes everything once; nothing went to the dead-letter topic', async () => {
    expect(deadLetterBacklog).toBe(0);
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix, { exactRaw: true });
  });
});

/** Raw event rows (all three tables) and ingest_errors rows in the warehouse. */
async function countRows(config: Config): Promise<{ events: number; errors: number }> {
  const warehouse = await openWarehouse(config.warehouse);
  await warehouse.start();
  try {
    const { rows } = await warehouse.query(
      `SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM inventory) +
              (SELECT count(*) FROM user_activity) AS events, (SELECT count(*) FROM ingest_errors) AS errors`,
    );
    return { events: Number(rows[0]!.events), errors: Number(rows[0]!.errors) };
  } finally {
    await warehouse.close();
  }
}
