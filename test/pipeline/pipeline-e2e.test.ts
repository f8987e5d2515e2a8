import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { runCli } from '../support/run-cli.js';

/**
 * End to end on the local stack: a generated mix with invalid messages goes through
 * `shopstream pipeline run --exit-when-idle` (a real process), and every message is accounted for.
 */
describe('pipeline end to end (embedded bus, file lake, DuckDB)', () => {
  let stack: LocalStack;
  let mix: PublishedMix;
  let result: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    stack = await createLocalStack();
    const bus = await openBus(stack.config.bus);
    await bus.start();
    mix = await publishMix(bus, stack.config.topic, { count: 5_000, invalidRatio: 0.05 });
    await bus.close();
    result = await runCli([...stack.flags, 'pipeline', 'run', '--exit-when-idle', '--idle', '1s']);
  }, 180_000);
  afterAll(() => stack?.remove());

  it('exits 0 and reports counts that add up to what was published', () => {
    expect(result.code, result.stderr).toBe(0);
    const stats = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
      received: number;
      accepted: number;
      deadLettered: number;
      acked: number;
    };
    expect(stats.accepted + stats.deadLettered).toBe(mix.total);
    expect(stats.acked).toBe(mix.total);
    expect(stats.deadLettered).toBe(mix.invalidMessages);
    expect(mix.invalid.size).toBeGreaterThan(100);
  });

  it('puts every valid event in its table and the lake once, and every invalid one in the DLQ with its code', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), mix, { exactRaw: true });
  });

  it('leaves no backlog', async () => {
    const bus = await openBus(stack.config.bus);
    await bus.start();
    expect((await bus.describeSubscription(stack.config.subscription)).backlog).toBe(0);
    await bus.close();
  });
});
