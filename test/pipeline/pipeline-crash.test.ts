import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { runCli, startCli } from '../support/run-cli.js';

/**
 * Crash safety: SIGKILL the pipeline at random moments while it drains, restart it each time; at the
 * end nothing is lost, and the deduplicated answer holds each event exactly once.
 */
describe('pipeline killed with SIGKILL while draining', () => {
  let stack: LocalStack;
  let mix: PublishedMix;
  const kills: number[] = [];
  const backlogAfterKill: number[] = [];
  let finalReceived = 0;

  beforeAll(async () => {
    // Small batches, so kills land between many flushes, and mid-flush.
    stack = await createLocalStack({
      extra: {
        'pipeline.flushMaxAgeMs': 100,
        'pipeline.maxOutstandingMessages': 2_000,
        ackDeadlineSeconds: 10,
      },
    });
    const bus = await openBus(stack.config.bus);
    await bus.start();
    mix = await publishMix(bus, stack.config.topic, { count: 30_000, invalidRatio: 0.03, seed: 11 });
    await bus.close();
    for (let round = 0; round < 4; round++) {
      const { child, done } = startCli([...stack.flags, 'pipeline', 'run']);
      const afterMs = 1_500 + Math.floor(Math.random() * 2_500);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      child.kill('SIGKILL');
      const result = await done;
      expect(result.signal).toBe('SIGKILL');
      kills.push(afterMs);
      const probe = await openBus(stack.config.bus);
      await probe.start();
      backlogAfterKill.push((await probe.describeSubscription(stack.config.subscription)).backlog ?? 0);
      await probe.close();
    }
    const final = await runCli([...stack.flags, 'pipeline', 'run', '--exit-when-idle', '--idle', '2s']);
    expect(final.code, final.stderr).toBe(0);
    finalReceived = (JSON.parse(final.stdout.trim().split('\n').pop()!) as { received: number }).received;
  }, 300_000);
  afterAll(() => stack?.remove());

  it('really killed it mid-drain: work was left after every kill', () => {
    expect(kills).toHaveLength(4);
    for (const backlog of backlogAfterKill) expect(backlog).toBeGreaterThan(0);
    expect(finalReceived).toBeGreaterThan(0);
  });

  it('loses nothing and counts each event once after four kills', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), mix);
  });
});
