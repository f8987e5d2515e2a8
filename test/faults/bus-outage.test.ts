import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import type { MessageBus } from '../../src/bus/message-bus.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { waitFor } from '../support/ops-client.js';
import { startPubSubEmulator } from '../support/pubsub-emulator.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { FrontEndProxy } from '../support/front-end-proxy.js';
import { LockHolder } from './lock-holder-process.js';
import { startPipelineProcess, statsOf, type PipelineProcess } from './pipeline-process.js';
import { PublishedWaves } from './published-waves.js';

const emulator = await startPubSubEmulator();

/** How long the network to the bus is down, and the subscription's ack deadline (its minimum). */
const CUT_MS = 6_000;
const ACK_DEADLINE_S = 10;

/**
 * The connection to Pub/Sub drops while the pipeline drains. Realistic form: the pipeline reaches the
 * official emulator through a front end that resets every client connection and refuses new ones for
 * a while, as a broken network or a load balancer failover does, and cancels the calls those
 * connections carried, as Google's front ends do (test/support/front-end-proxy.ts says why a plain TCP
 * proxy would test an emulator defect instead). The server keeps its state; traffic keeps arriving
 * meanwhile. The pipeline (`--exit-when-idle`) must keep running through the outage, report it,
 * reconnect by itself, and exit only once everything is processed: `shopstream reconcile` decides.
 */
describe.runIf(emulator)('Pub/Sub connection dropping (emulator behind a front end that is cut)', () => {
  let stack: LocalStack;
  let proxy: FrontEndProxy;
  let bus: MessageBus;
  let waves: PublishedWaves;
  let pipeline: PipelineProcess;
  let aliveAfterCut = false;
  let refusedWhileCut = 0;
  let result: CliResult;
  let reconciled: CliResult;
  let deadLettered = -1;

  beforeAll(async () => {
    process.env.PUBSUB_EMULATOR_HOST = emulator!.host;
    stack = await createLocalStack({
      bus: 'pubsub:shopstream-faults',
      extra: { ackDeadlineSeconds: ACK_DEADLINE_S },
    });
    proxy = await FrontEndProxy.start(emulator!.host);
    bus = await openBus(stack.config.bus); // the publisher talks to the emulator directly
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    await waves.publish(1_000);
    pipeline = await startPipelineProcess(stack.flags, {
      args: ['--exit-when-idle'],
      env: { PUBSUB_EMULATOR_HOST: proxy.host },
    });
    await waitFor('the first wave written', async () => (await pipeline.ops.health())!.stats.acked >= 1_000);

    proxy.cut();
    await waves.publish(2_000);
    await new Promise((resolve) => setTimeout(resolve, CUT_MS));
    aliveAfterCut = pipeline.child.exitCode === null && (await pipeline.ops.health()) !== undefined;
    refusedWhileCut = proxy.refused;
    proxy.restore();
    result = await pipeline.done;

    // Anything on the dead-letter subscription would be a valid event given up on.
    deadLettered = 0;
    const subscriber = bus.subscribe(stack.config.deadLetterSubscription, (message) => {
      deadLettered++;
      message.ack();
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await subscriber.close();
    await bus.close();
    const archived = await runCli([...stack.flags, 'archive', 'run', '--exit-when-idle', '--idle', '1s']);
    expect(archived.code, archived.stderr).toBe(0);
    reconciled = await runCli([...stack.flags, 'reconcile', '--to', '2100-01-01']);
  }, 240_000);
  afterAll(async () => {
    pipeline?.child.kill('SIGKILL');
    await bus?.close();
    await proxy?.close();
    stack?.remove();
    await emulator?.stop();
  });

  it('keeps running while the connection is down, and its reconnects really were refused', () => {
    expect(aliveAfterCut).toBe(true);
    expect(refusedWhileCut).toBeGreaterThan(0);
  });

  it('reports the dropped connection in its log, as a retryable bus error', () => {
    const warnings = result.stderr
      .split('\n')
      .filter((line) => line.includes('subscriber error; it keeps retrying'))
      .map((line) => JSON.parse(line) as { err: { code?: string } });
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.map((w) => w.err.code)).toContain('SHOP_E_BUS_UNAVAILABLE');
  });

  it('reconnects by itself, drains everything, and only then exits 0', () => {
    expect(result.code, result.stderr.slice(-2_000)).toBe(0);
    expect(statsOf(result).acked).toBeGreaterThanOrEqual(waves.total);
    expect(deadLettered).toBe(0);
  });

  it('reconcile balances, and the views hold every event exactly once', async () => {
    expect(reconciled.code, reconciled.stdout + reconciled.stderr).toBe(0);
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix);
  });
});

/** How long the other process holds the embedded bus's write lock. */
const LOCK_MS = 4_000;

/**
 * The embedded bus's SQLite file locked by another process for a few seconds (a better-sqlite3
 * connection in BEGIN EXCLUSIVE, as a long transaction of another publisher or a backup would): the
 * publisher's call waits instead of failing, the pipeline's pulls and acks wait, and both carry on
 * when the lock goes, with nothing lost and nothing delivered twice.
 */
describe('embedded bus locked by another process for a while', () => {
  let stack: LocalStack;
  let bus: MessageBus;
  let waves: PublishedWaves;
  let pipeline: PipelineProcess;
  let publishMs = 0;
  let publishedDuringLock = false;
  let aliveDuringLock = false;
  let backlogAfter: number | undefined;
  let result: CliResult & { exitMs: number };

  beforeAll(async () => {
    stack = await createLocalStack({ extra: { 'pipeline.flushMaxAgeMs': 100 } });
    bus = await openBus(stack.config.bus);
    await bus.start();
    waves = new PublishedWaves(bus, stack.config.topic);
    pipeline = await startPipelineProcess(stack.flags);
    await waves.publish(2_000);

    const holder = await LockHolder.hold('sqlite', join(stack.dir, 'bus', 'bus.sqlite'));
    let locked = true;
    const lockedAt = Date.now();
    try {
      const publishing = waves.publish(1_000).then(() => {
        publishedDuringLock = locked;
        publishMs = Date.now() - lockedAt;
      });
      await new Promise((resolve) => setTimeout(resolve, LOCK_MS));
      aliveDuringLock = pipeline.child.exitCode === null && (await pipeline.ops.health()) !== undefined;
      locked = false;
      await holder.release();
      await publishing;
    } finally {
      holder.kill();
    }
    await waves.publish(1_000);

    await waitFor(
      'every message acked',
      async () => (await pipeline.ops.health())!.stats.acked >= waves.total,
    );
    result = await pipeline.terminate();
    backlogAfter = (await bus.describeSubscription(stack.config.subscription)).backlog;
    await bus.close();
  }, 120_000);
  afterAll(async () => {
    pipeline?.child.kill('SIGKILL');
    await bus?.close();
    stack?.remove();
  });

  it('the publisher waited for the lock instead of failing', () => {
    expect(publishedDuringLock).toBe(false);
    expect(publishMs).toBeGreaterThanOrEqual(LOCK_MS - 100);
  });

  it('the pipeline kept running through the lock and reported no error for it', () => {
    expect(aliveDuringLock).toBe(true);
    expect(result.stderr).not.toMatch(/subscriber error/);
  });

  it('carries on after the lock: exits 0, everything acked once, no backlog left', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(statsOf(result)).toMatchObject({ received: waves.total, acked: waves.total });
    expect(backlogAfter).toBe(0);
  });

  it('the views hold every event exactly once, one raw row per message', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), waves.mix, { exactRaw: true });
  });
});
