import { describe, expect, it } from 'vitest';
import { Telemetry } from '../telemetry/telemetry.js';
import { GeneratedTally, type GeneratedMessage } from './generated-message.js';
import { runGeneration } from './generation-run.js';
import { buildReferenceUniverse } from './reference-universe.js';
import { TrafficGenerator } from './traffic-generator.js';

const universe = buildReferenceUniverse({ seed: 42, customers: 200, products: 50 });
const source = (invalidRatio = 0) => new TrafficGenerator({ seed: 3, universe, invalidRatio });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runGeneration', () => {
  it('hands over exactly `count` messages in batches, in order, and counts them by type', async () => {
    const batches: GeneratedMessage[][] = [];
    const result = await runGeneration(source(0.1), async (batch) => void batches.push([...batch]), {
      count: 2_500,
    });
    expect(batches.map((b) => b.length)).toEqual([1_000, 1_000, 500]);
    const all = batches.flat();
    expect(result.published).toBe(2_500);
    expect(result.invalid).toBe(all.filter((m) => m.eventType === null).length);
    expect(result.invalid).toBeGreaterThan(0);
    for (const type of ['order', 'inventory', 'user_activity'] as const)
      expect(result.byType[type]).toBe(all.filter((m) => m.eventType === type).length);
    // In order: the same bytes as taking them one by one.
    const again = source(0.1).take(2_500);
    expect(all.every((m, i) => m.data.equals(again[i]!.data))).toBe(true);
  });

  it('keeps at most maxInFlight batches in the sink at once', async () => {
    let running = 0;
    let peak = 0;
    await runGeneration(
      source(),
      async () => {
        peak = Math.max(peak, ++running);
        await sleep(5);
        running--;
      },
      { count: 10_000 },
      { batchSize: 500, maxInFlight: 3 },
    );
    expect(peak).toBe(3);
  });

  it('paces a rate run: rate × duration messages, spread over the duration, in batches of at least 500 when due', async () => {
    const sizes: number[] = [];
    const started = Date.now();
    const result = await runGeneration(source(), async (batch) => void sizes.push(batch.length), {
      rate: 10_000,
      durationMs: 400,
    });
    expect(result.published).toBe(4_000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.slice(0, -1).every((n) => n >= 500)).toBe(true);
  });

  it('sends small batches at low rates rather than holding messages back', async () => {
    const sizes: number[] = [];
    await runGeneration(source(), async (batch) => void sizes.push(batch.length), {
      rate: 50,
      durationMs: 1_500,
    });
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(75);
    // Batches wait at most maxBatchWaitMs (200 ms): about seven of them; three leaves room for a busy machine.
    expect(sizes.length).toBeGreaterThanOrEqual(3);
  });

  it('stops early and cleanly when the signal aborts', async () => {
    const stop = new AbortController();
    let calls = 0;
    const result = await runGeneration(
      source(),
      async () => {
        if (++calls === 3) stop.abort();
      },
      { count: 1_000_000_000, signal: stop.signal },
    );
    expect(result.published).toBeLessThan(10_000);
    expect(result.published).toBe(calls * 1_000);
  });

  it('rejects with the sink error and counts only what the sink accepted', async () => {
    const tally = new GeneratedTally();
    let accepted = 0;
    let call = 0;
    const failure = new Error('bus down');
    await expect(
      runGeneration(
        source(),
        async (batch) => {
          if (++call === 2) throw failure;
          accepted += batch.length;
        },
        { count: 100_000 },
        { tally },
      ),
    ).rejects.toBe(failure);
    expect(tally.published).toBe(accepted);
    expect(accepted).toBeLessThan(100_000);
  });

  it('reports each accepted batch as generator:published telemetry', async () => {
    const telemetry = new Telemetry();
    let total = 0;
    let invalid = 0;
    telemetry.on('generator:published', ({ byType, invalid: bad }) => {
      total += (byType.order ?? 0) + (byType.inventory ?? 0) + (byType.user_activity ?? 0) + bad;
      invalid += bad;
    });
    const result = await runGeneration(source(0.2), async () => {}, { count: 3_000 }, { telemetry });
    expect(total).toBe(3_000);
    expect(invalid).toBe(result.invalid);
  });

  it('rejects a plan without a positive count, rate or duration', async () => {
    await expect(runGeneration(source(), async () => {}, { count: 0 })).rejects.toThrow(/count/);
    await expect(runGeneration(source(), async () => {}, { rate: -1, durationMs: 10 })).rejects.toThrow(
      /rate/,
    );
    await expect(runGeneration(source(), async () => {}, { rate: 1, durationMs: 0 })).rejects.toThrow(
      /durationMs/,
    );
  });
});
