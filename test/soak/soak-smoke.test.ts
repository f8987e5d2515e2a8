import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak-run.js';

/**
 * The soak script, short: it runs the whole local system at a steady rate and every published event
 * is accounted for. The 10-minute run and its latency figure are a benchmark (bench/soak.ts,
 * bench/latency.bench.ts), not a timed test.
 */
describe('soak (short)', () => {
  it('accounts for every published event and samples throughput, latency, backlog and memory', async () => {
    const result = await runSoak({ rate: 1_000, durationMs: 8_000, sampleMs: 2_000, invalidRatio: 0.02 });
    expect(result.published).toBeGreaterThanOrEqual(7_000);
    expect(result.durable + result.deadLettered).toBe(result.published);
    expect(result.deadLettered).toBeGreaterThan(0);
    expect(result.samples.length).toBeGreaterThanOrEqual(3);
    for (const sample of result.samples) {
      expect(sample.rssMb).toBeGreaterThan(0);
      expect(sample.backlog).toBeGreaterThanOrEqual(0);
    }
    expect(result.samples.some((s) => s.durablePerSecond > 0 && s.p99Ms > 0)).toBe(true);
    // The run's percentiles (from a histogram of every event) lie within the windows' range.
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
    expect(result.p99Ms).toBeLessThanOrEqual(Math.max(...result.samples.map((s) => s.p99Ms)) * 1.01 + 1);
    // Memory is sampled in every part, for the soak's report (external and arrayBuffers are counted
    // apart by Node, so neither bounds the other).
    for (const s of result.samples) {
      expect(s.heapTotalMb).toBeGreaterThanOrEqual(s.heapMb);
      for (const mb of [s.heapMb, s.externalMb, s.arrayBuffersMb, s.duckDbMb])
        expect(mb).toBeGreaterThanOrEqual(0);
    }
  }, 120_000);
});
