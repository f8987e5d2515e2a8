import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import type { MessageBus } from '../../src/bus/message-bus.js';
import type { Config } from '../../src/config/settings.js';
import type { PipelineStats } from '../../src/pipeline/streaming-pipeline.js';
import type { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { waitFor, type HealthAnswer } from '../support/ops-client.js';
import { listFiles } from '../support/read-lake.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { SmallDisk } from '../support/small-disk.js';
import { warehouseOnSmallDisk } from './warehouse-on-small-disk.js';
import { FlakyWarehouse } from './flaky-warehouse.js';
import { LockHolder } from './lock-holder-process.js';
import { startPipelineProcess, statsOf, type PipelineProcess } from './pipeline-process.js';
import { PublishedWaves } from './published-waves.js';
import { startPipelineInProcess, type RunningPipeline } from './running-pipeline.js';

/** Longer than the subscription's ack deadline (10 s here), so only extended leases keep the messages. */
const OUTAGE_MS = 14_000;

/**
 * The warehouse refuses every write for a while (a decorator around the real DuckDB warehouse throws
 * retryable SHOP_E_WAREHOUSE_UNAVAILABLE) while traffic keeps arriving: the pipeline keeps its
 * batches — those retrying and those waiting behind them — with their leases, says so on /healthz
 * and in /metrics, recovers on its own when the warehouse comes back, and loses nothing.
 */
describe('warehouse failing writes for a while (injected, pipeline in process)', () => {
  let stack: LocalStack;
  let bus: MessageBus;
  let waves: PublishedWaves;
  let running: RunningPipeline;
  let flaky: FlakyWarehouse;
  let unhealthy: HealthAnswer;
  const failures: number[] = [];
  const acked: number[] = [];
  let healthy: HealthAnswer;
  let stats: PipelineStats;
  let deadLetterBacklog: number | undefined;

  beforeAll(async () => {
    stack = await createLocalStack({ extra: { ackDeadlineSeconds: 10 } });
    bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_000);
    running = await startPipelineInProcess(stack.config, {
      warehouse: (real) => (flaky = new FlakyWarehouse(real)),
      // Retries at most 2 s apart, so the pipeline notices soon that the warehouse is back.
      pipeline: { retryMaxBackoffMs: 2_000 },
    });
    await waitFor('the first wave written', () => running.pipeline.stats.acked === 1_000, 30_000);

    flaky.failFor(OUTAGE_MS);
    const outageEnds = Date.now() + OUTAGE_MS;
    // Live traffic during the outage: batch after batch, more than the three written at once, so
    // most of them wait for a flush slot, longer than their ack deadline.
    for (let wave = 0; wave < 8; wave++) {
      await waves.publish(250);
      await new Promise((resolve) => setTimeout(resolve, 750));
    }
    unhealthy = await running.ops.healthWith(503, { failing: 'warehouse' });
    failures.push(await running.ops.metric('shopstream_sink_failures_total', { sink: 'warehouse' }));
    acked.push(running.pipeline.stats.acked);
    // Shortly before the warehouse comes back: more failed attempts, and still nothing acked.
    await new Promise((resolve) => setTimeout(resolve, outageEnds - Date.now() - 500));
    failures.push(await running.ops.metric('shopstream_sink_failures_total', { sink: 'warehouse' }));
    acked.push(running.pipeline.stats.acked);

    healthy = await running.ops.healthWith(200, { timeoutMs: 40_000 });
    await running.pipeline.drained();
    stats = await running.stop();
    deadLetterBacklog = (await bus.describeSubscription(stack.config.deadLetterSubscription)).backlog;
    await bus.close();
  }, 120_000);
  afterAll(async () => {
    await running?.stop(1_000); // after a failed run; a no-op when it stopped already
    await bus?.close();
    stack?.remove();
  });

  it('answers 503 on /healthz naming the warehouse while its writes fail', () => {
    expect(unhealthy.healthy).toBe(false);
    expect(unhealthy.failing.warehouse).toMatch(/injected outage/);
  });

  it('counts each failed attempt in shopstream_sink_failures_total, and acks nothing meanwhile', () => {
    expect(failures[0]).toBeGreaterThan(0);
    expect(failures[1]).toBeGreaterThan(failures[0]!); // it kept retrying
    expect(flaky.refusedWrites).toBeGreaterThan(0);
    expect(acked[0]).toBe(1_000);
    expect(acked[1]).toBe(1_000);
  });

  it('answers 200 again once the warehouse is back, without a restart', () => {
    expect(healthy).toMatchObject({ healthy: true, failing: {} });
  });

  it('kept the leases of every batch it held: nothing redelivered, nothing sent to the dead-letter topic', () => {
    expect(stats.received).toBe(waves.total);
    expect(stats.acked).toBe(waves.total);
    expect(deadLetterBacklog).toBe(0);
  });

  it('afterwards the views hold every event exactly once, and the DLQ every invalid one', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix);
  });
});

/**
 * DuckDB's connection closed underneath the running pipeline (the adapter's close(), as after a fatal
 * error): writes fail with SHOP_E_WAREHOUSE_UNAVAILABLE ("not started"). The pipeline acks nothing,
 * says so on /healthz, and resumes by itself once the warehouse is open again, with no restart.
 */
describe('warehouse connection closed underneath the pipeline', () => {
  let stack: LocalStack;
  let bus: MessageBus;
  let waves: PublishedWaves;
  let running: RunningPipeline;
  let unhealthy: HealthAnswer;
  const acked: number[] = [];
  let healthy: HealthAnswer;
  let stats: PipelineStats;

  beforeAll(async () => {
    stack = await createLocalStack();
    bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_000);
    running = await startPipelineInProcess(stack.config);
    await waitFor('the first wave written', () => running.pipeline.stats.acked === 1_000, 30_000);

    await running.warehouse.close();
    await waves.publish(1_500);
    unhealthy = await running.ops.healthWith(503, { failing: 'warehouse' }).catch(async (error: Error) => {
      const { stats } = running.pipeline;
      throw new Error(
        `${error.message}; /healthz said ${JSON.stringify((await running.ops.health())?.failing)}; ` +
          `received ${stats.received}, acked ${stats.acked}, ${stats.failedFlushes} failed flushes: ` +
          'the warehouse writes of the held batches neither failed nor succeeded',
      );
    });
    acked.push(running.pipeline.stats.acked);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    acked.push(running.pipeline.stats.acked);

    await running.warehouse.start(); // the connection is back
    healthy = await running.ops.healthWith(200, { timeoutMs: 40_000 });
    await running.pipeline.drained();
    stats = await running.stop();
    await bus.close();
  }, 120_000);
  afterAll(async () => {
    await running?.stop(1_000); // after a failed run; a no-op when it stopped already
    await bus?.close();
    stack?.remove();
  });

  it('answers 503 naming the warehouse, and acks nothing while the connection is gone', () => {
    expect(unhealthy.failing.warehouse).toMatch(/not started/);
    expect(acked).toEqual([1_000, 1_000]);
  });

  it('resumes on its own once the connection is back: 200, everything acked once', () => {
    expect(healthy.healthy).toBe(true);
    expect(stats.received).toBe(waves.total);
    expect(stats.acked).toBe(waves.total);
  });

  it('afterwards the views hold every event exactly once', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix);
  });
});

/**
 * Another process holds the DuckDB file when the pipeline starts (DuckDB lets one process write a
 * file). The pipeline does not wait: it exits at once with a non-zero code and a message that names
 * SHOP_E_WAREHOUSE_UNAVAILABLE and the lock, having consumed nothing. Once the other process is
 * gone, a new run processes everything.
 */
describe('warehouse file locked by another process when the pipeline starts', () => {
  let stack: LocalStack;
  let waves: PublishedWaves;
  let locked: CliResult & { ms: number };
  let backlogAfterLockedRun: number | undefined;
  let lakeFilesAfterLockedRun: string[];
  let after: CliResult;

  beforeAll(async () => {
    stack = await createLocalStack();
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(2_000);
    await bus.close();

    const holder = await LockHolder.hold('duckdb', join(stack.dir, 'warehouse.duckdb'));
    try {
      const started = Date.now();
      const result = await runCli([...stack.flags, 'pipeline', 'run', '--exit-when-idle', '--idle', '1s']);
      locked = { ...result, ms: Date.now() - started };
    } finally {
      await holder.release().catch(() => holder.kill());
    }
    const probe = await openBus(stack.config.bus);
    await probe.start();
    backlogAfterLockedRun = (await probe.describeSubscription(stack.config.subscription)).backlog;
    await probe.close();
    lakeFilesAfterLockedRun = listFiles(lakeDirOf(stack.dir));

    after = await runCli([...stack.flags, 'pipeline', 'run', '--exit-when-idle', '--idle', '1s']);
  }, 120_000);
  afterAll(() => stack?.remove());

  it('exits non-zero at once with SHOP_E_WAREHOUSE_UNAVAILABLE naming the lock', () => {
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(
      /shopstream: SHOP_E_WAREHOUSE_UNAVAILABLE: .*warehouse\.duckdb is locked by another process/,
    );
    expect(locked.ms).toBeLessThan(20_000);
  });

  it('consumed and wrote nothing while it could not write the warehouse', () => {
    expect(backlogAfterLockedRun).toBe(waves.total);
    expect(lakeFilesAfterLockedRun).toEqual([]);
  });

  it('a run after the lock is gone processes every message exactly once', async () => {
    expect(after.code, after.stderr).toBe(0);
    expect(statsOf(after).acked).toBe(waves.total);
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix, { exactRaw: true });
  });
});

const canMount = SmallDisk.supported();

/**
 * The disk under the DuckDB file fills up for real (a small tmpfs, filled with a filler file), with
 * `shopstream pipeline run --port` as a child process: each append fails with "no space left on
 * device" (staging its rows beside the file, or DuckDB's commit); /healthz says 503 naming the
 * warehouse, /metrics counts the failures; when space is freed the same process catches up and every
 * event lands once.
 */
describe.runIf(canMount)('warehouse disk full (real tmpfs), pipeline as a process', () => {
  let stack: LocalStack;
  let disk: SmallDisk;
  let config: Config;
  let waves: PublishedWaves;
  let pipeline: PipelineProcess;
  let unhealthy: HealthAnswer;
  const failures: number[] = [];
  let ackedWhileFull: number;
  let healthy: HealthAnswer;
  let result: CliResult;

  beforeAll(async () => {
    stack = await createLocalStack();
    let warehouse: string;
    ({ disk, warehouse, config } = await warehouseOnSmallDisk(stack));
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_000);
    pipeline = await startPipelineProcess([...stack.flags, '--warehouse', warehouse]);
    await waitFor('the first wave written', async () => (await pipeline.ops.health())?.stats.acked === 1_000);

    disk.fill();
    await waves.publish(2_000);
    await bus.close();
    unhealthy = await pipeline.ops.healthWith(503, { failing: 'warehouse' });
    failures.push(await pipeline.ops.metric('shopstream_sink_failures_total', { sink: 'warehouse' }));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    failures.push(await pipeline.ops.metric('shopstream_sink_failures_total', { sink: 'warehouse' }));
    ackedWhileFull = (await pipeline.ops.health())!.stats.acked;

    disk.free();
    healthy = await pipeline.ops.healthWith(200, { timeoutMs: 40_000 });
    await waitFor(
      'every message acked',
      async () => (await pipeline.ops.health())!.stats.acked >= waves.total,
    );
    result = await pipeline.terminate();
  }, 150_000);
  afterAll(() => {
    pipeline?.child.kill('SIGKILL');
    disk?.unmount();
    stack?.remove();
  });

  it('answers 503 naming the warehouse with the disk-full message', () => {
    // From staging the rows beside the file (ENOSPC) or from DuckDB's commit, whichever comes first.
    expect(unhealthy.failing.warehouse).toMatch(/no space left on device/i);
  });

  it('counts failures while the disk is full and acks nothing of the second wave', () => {
    expect(failures[0]).toBeGreaterThan(0);
    expect(failures[1]).toBeGreaterThan(failures[0]!);
    expect(ackedWhileFull).toBe(1_000);
  });

  it('recovers on its own once there is space again, and still exits 0 on SIGTERM', () => {
    expect(healthy.healthy).toBe(true);
    expect(result.code, result.stderr).toBe(0);
    expect(statsOf(result).acked).toBe(waves.total);
  });

  it('afterwards the views hold every event exactly once', async () => {
    await expectEveryEventAccountedFor(config, lakeDirOf(stack.dir), waves.mix);
  });
});

/**
 * DuckDB invalidates its database after a fatal error, provoked for real: the disk under the file is
 * full (a small tmpfs) when a checkpoint must write the WAL's rows into the file. The pipeline holds
 * batches that fail on the full disk meanwhile. The adapter closes and opens the database again (its
 * WAL replayed), the held batches are retried, and once there is space everything lands once, with
 * no restart.
 */
describe.runIf(canMount)('DuckDB invalidated after a fatal error (checkpoint on a full disk)', () => {
  let stack: LocalStack;
  let disk: SmallDisk;
  let config: Config;
  let waves: PublishedWaves;
  let running: RunningPipeline;
  let fatal: Error;
  let ackedWhileFull: number;
  let healthy: HealthAnswer;
  let stats: PipelineStats;
  let reopens: number;

  beforeAll(async () => {
    stack = await createLocalStack();
    ({ disk, config } = await warehouseOnSmallDisk(stack));
    const bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_000);
    running = await startPipelineInProcess(config, { pipeline: { retryMaxBackoffMs: 1_000 } });
    await waitFor('the first wave written', () => running.pipeline.stats.acked === 1_000, 30_000);

    disk.fill();
    await waves.publish(1_500);
    await running.ops.healthWith(503, { failing: 'warehouse' });
    // What DuckDB does by itself once its WAL is large enough: the checkpoint cannot write the file.
    fatal = (await running.warehouse.query('CHECKPOINT').catch((error: unknown) => error)) as Error;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    ackedWhileFull = running.pipeline.stats.acked;

    disk.free();
    await bus.close();
    await waitFor('every message acked', () => running.pipeline.stats.acked === waves.total, 60_000);
    healthy = await running.ops.healthWith(200, { timeoutMs: 40_000 });
    reopens = (running.warehouse as DuckDbWarehouse).reopens;
    stats = await running.stop();
  }, 150_000);
  afterAll(async () => {
    await running?.stop(1_000);
    disk?.unmount();
    stack?.remove();
  });

  it('got the fatal error for real, and DuckDB invalidated the database', () => {
    expect(fatal).toMatchObject({ code: 'SHOP_E_WAREHOUSE_UNAVAILABLE', retryable: true });
    expect(fatal.message).toMatch(/FATAL Error: Failed to create checkpoint.*No space left on device/s);
    expect(reopens).toBe(1);
  });

  it('held the second wave meanwhile, then wrote it: healthy again without a restart', () => {
    expect(ackedWhileFull).toBe(1_000);
    expect(healthy.healthy).toBe(true);
    expect(stats.acked).toBe(waves.total);
    expect(stats.received).toBe(waves.total);
  });

  it('lost nothing and duplicated nothing: the views hold every event exactly once', async () => {
    await expectEveryEventAccountedFor(config, lakeDirOf(stack.dir), waves.mix);
  });
});
