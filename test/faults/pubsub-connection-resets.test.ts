import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageBus } from '../../src/bus/message-bus.js';
import { openBus } from '../../src/bus/open-bus.js';
import type { ReconcileReport } from '../../src/reconcile/ledger.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { FrontEndProxy } from '../support/front-end-proxy.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { startPubSubEmulator } from '../support/pubsub-emulator.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { startPipelineProcess, statsOf } from './pipeline-process.js';

const emulator = await startPubSubEmulator();

const MESSAGES = 20_000;
/** The proxy resets every connection each time the pipeline has received this many more deliveries. */
const CUT_EVERY = 2_500;
const CUTS = 6;
const CUT_MS = 300;

/**
 * The accounting proof on the cloud path: `pipeline run --exit-when-idle` drains 20,000 messages from
 * the official emulator through a front end that resets every connection six times mid-drain (and
 * cancels the calls they carried, as Google's front ends do; see test/support/front-end-proxy.ts). A
 * drain that exits 0 must have drained: `shopstream reconcile` then finds every archived message in
 * its table or the DLQ, the views hold each event once, and nothing comes back to the subscription.
 * `npx tsx scripts/repeat-test.ts test/faults/pubsub-connection-resets.test.ts --times 10` runs it ten
 * times in a row.
 */
describe.runIf(emulator)('Pub/Sub drain through connections reset six times', () => {
  let stack: LocalStack;
  let bus: MessageBus;
  let proxy: FrontEndProxy;
  let mix: PublishedMix;
  let drain: CliResult;
  let cutsDuringDrain = 0;
  let cameBackAfterExit = -1;
  let report: ReconcileReport;
  let reconciled: CliResult;

  beforeAll(async () => {
    process.env.PUBSUB_EMULATOR_HOST = emulator!.host;
    stack = await createLocalStack({ bus: 'pubsub:shopstream-resets' });
    bus = await openBus(stack.config.bus); // the publisher and the archiver talk to the emulator directly
    await bus.start();
    mix = await publishMix(bus, stack.config.topic, { count: MESSAGES, invalidRatio: 0.05, seed: 23 });
    proxy = await FrontEndProxy.start(emulator!.host);

    const pipeline = await startPipelineProcess(stack.flags, {
      args: ['--exit-when-idle'],
      env: { PUBSUB_EMULATOR_HOST: proxy.host },
    });
    let exited = false;
    void pipeline.done.then(() => (exited = true));
    while (!exited && proxy.cuts < CUTS) {
      const received = (await pipeline.ops.health())?.stats.received ?? 0;
      if (received >= (proxy.cuts + 1) * CUT_EVERY) {
        proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, CUT_MS));
        proxy.restore();
      } else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    cutsDuringDrain = proxy.cuts; // each one made while the pipeline still ran
    drain = await pipeline.done;

    // What a drain that exited 0 left behind: anything still leased would come back within a lease.
    cameBackAfterExit = 0;
    const left = bus.subscribe(stack.config.subscription, (message) => {
      cameBackAfterExit++;
      message.nack();
    });
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    await left.close();

    const archived = await runCli([...stack.flags, 'archive', 'run', '--exit-when-idle', '--idle', '1s']);
    expect(archived.code, archived.stderr).toBe(0);
    reconciled = await runCli([
      ...stack.flags,
      'reconcile',
      '--to',
      '2100-01-01',
      '--format',
      'json',
      '--limit',
      '50',
    ]);
    report = JSON.parse(reconciled.stdout) as ReconcileReport;
  }, 300_000);
  afterAll(async () => {
    await bus?.close();
    await proxy?.close();
    stack?.remove();
    await emulator?.stop();
  });

  it('was cut six times while it drained, and exited 0 after receiving every message', () => {
    expect(cutsDuringDrain).toBe(CUTS);
    // It reconnected after each cut: more connections than the first one.
    expect(proxy.forwarded).toBeGreaterThan(CUTS);
    expect(drain.code, drain.stderr.slice(-3_000)).toBe(0);
    expect(statsOf(drain).received).toBeGreaterThanOrEqual(MESSAGES);
  });

  it('left nothing on the subscription: no message came back after it exited', () => {
    expect(cameBackAfterExit).toBe(0);
  });

  it('reconcile balances: every archived message is in its table or the DLQ, the lake holds the tables', () => {
    expect(reconciled.code, reconciled.stderr + JSON.stringify(report?.gaps)).toBe(0);
    expect(report.balanced).toBe(true);
    expect(report.totals).toMatchObject({
      archived: mix.valid.size + mix.invalid.size,
      warehouse: mix.valid.size,
      deadLettered: mix.invalid.size,
      missing: 0,
      unarchived: 0,
      lakeShort: 0,
    });
  });

  it('the views hold every event once, however often it was redelivered', async () => {
    const warehouse = await openWarehouse(stack.config.warehouse);
    await warehouse.start();
    try {
      for (const view of ['orders_dedup', 'inventory_dedup', 'user_activity_dedup']) {
        const { rows } = await warehouse.query(
          `SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ${view}`,
        );
        expect(Number(rows[0]!.n), view).toBe(Number(rows[0]!.d));
      }
      const { rows } = await warehouse.query(
        'SELECT (SELECT count(*) FROM orders_dedup) + (SELECT count(*) FROM inventory_dedup) + (SELECT count(*) FROM user_activity_dedup) AS n',
      );
      expect(Number(rows[0]!.n)).toBe(mix.valid.size);
    } finally {
      await warehouse.close();
    }
  });
});
