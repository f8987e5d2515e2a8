import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { startPubSubEmulator } from '../support/pubsub-emulator.js';
import { runCli } from '../support/run-cli.js';

const emulator = await startPubSubEmulator();

/** The same end-to-end promise on the official Pub/Sub emulator instead of the embedded bus. */
describe.runIf(emulator)('pipeline end to end on the Pub/Sub emulator', () => {
  let stack: LocalStack;
  let mix: PublishedMix;
  let result: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    process.env.PUBSUB_EMULATOR_HOST = emulator!.host;
    stack = await createLocalStack({ bus: 'pubsub:shopstream-e2e' });
    const bus = await openBus(stack.config.bus);
    await bus.start();
    mix = await publishMix(bus, stack.config.topic, { count: 3_000, invalidRatio: 0.05, seed: 3 });
    await bus.close();
    // The emulator cannot report a backlog, so "idle" means no message for a few seconds.
    result = await runCli([...stack.flags, 'pipeline', 'run', '--exit-when-idle', '--idle', '4s'], {
      PUBSUB_EMULATOR_HOST: emulator!.host,
    });
  }, 240_000);
  afterAll(async () => {
    stack?.remove();
    await emulator?.stop();
  });

  it('exits 0 having acked everything it received', () => {
    expect(result.code, result.stderr).toBe(0);
    const stats = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
      accepted: number;
      deadLettered: number;
    };
    expect(stats.accepted + stats.deadLettered).toBeGreaterThanOrEqual(mix.total);
  });

  it('accounts for every message: tables and lake for valid events, the DLQ with codes for the rest', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), mix);
  });
});
