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
    mix = await publishMix(bus, stack.config.topic, { count: 40_000, invalidRatio: 0.03, seed: 11 });
    await bus.close();
    // Kill at random points spread over the drain: round k waits until between (k + 0.3)/5 and
    // (k + 0.8)/5 of the messages are acked, so every kill lands mid-drain however fast the machine is.
    const probe = await openBus(stack.config.bus);
    await probe.start();
    const backlog = async (): Promise<number> =>
      (await probe.describeSubscription(stack.config.subscription)).backlog ?? 0;
    for (let round = 0; round < 4; round++) {
      const target = mix.total * (1 - (round + 0.3 + 0.5 * Math.random()) / 5);
      const { child, done } = startCli([...stack.flags, 'pipeline', 'run']);
      const started = Date.now();
      while ((await backlog()) > target && Date.now() - started < 60_000)
        await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill('SIGKILL');
      const result = await done;
      expect(result.signal).toBe('SIGKILL');
      kills.push(Date.now() - started);
      backlogAfterKill.push(await backlog());
    }
    await probe.close();
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
