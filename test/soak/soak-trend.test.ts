import { describe, expect, it } from 'vitest';
import {
  leastSquaresSlope,
  memoryTrend,
  perMinuteMedians,
  type MemorySample,
} from '../../bench/soak-trend.js';

/** Samples every 5 s for `minutes`, memory following `mbAt(t)`, with a garbage-collector saw-tooth. */
function samples(minutes: number, mbAt: (t: number) => number): MemorySample[] {
  const out: MemorySample[] = [];
  for (let t = 5; t <= minutes * 60; t += 5) {
    const sawTooth = ((t / 5) % 4) * 10;
    const heapMb = mbAt(t) / 4 + sawTooth;
    out.push({
      t,
      rssMb: mbAt(t) + sawTooth,
      heapMb,
      heapTotalMb: heapMb + 20,
      externalMb: 30,
      duckDbMb: 64,
    });
  }
  return out;
}

describe('soak memory trend', () => {
  it('fits the least-squares slope', () => {
    expect(leastSquaresSlope([1, 2, 3, 4].map((x) => ({ x, y: 3 * x + 7 })))).toBeCloseTo(3);
    expect(leastSquaresSlope([{ x: 1, y: 5 }])).toBeNaN();
  });

  it('takes per-minute medians of whole minutes only, leaving out the drain after the duration', () => {
    const minutes = perMinuteMedians(
      [
        ...samples(3, () => 400),
        { t: 185, rssMb: 9e3, heapMb: 9e3, heapTotalMb: 9e3, externalMb: 9e3, duckDbMb: 9e3 },
      ],
      180,
    );
    expect(minutes.map((m) => m.minute)).toEqual([1, 2, 3]);
    expect(minutes.every((m) => m.samples === 12)).toBe(true);
    // The saw-tooth's median, not its peaks.
    expect(minutes[1]).toMatchObject({ rssMb: 415, heapMb: 115, heapTotalMb: 135, duckDbMb: 64 });
  });

  it('passes a flat run whose first minutes climb, and fails a run that grows 3 MB a minute', () => {
    const warmingUp = samples(30, (t) => (t < 300 ? 300 + t / 2 : 450));
    const flat = memoryTrend(perMinuteMedians(warmingUp, 1800));
    expect(flat).toMatchObject({ fromMinute: 6, toMinute: 30, flat: true });
    expect(Math.abs(flat.rssSlopeMbPerMin)).toBeLessThan(0.01);

    const leaking = memoryTrend(
      perMinuteMedians(
        samples(30, (t) => 400 + (3 * t) / 60),
        1800,
      ),
    );
    expect(leaking.flat).toBe(false);
    expect(leaking.rssSlopeMbPerMin).toBeCloseTo(3, 1);
    // The level the saw-tooth falls back to rises with it; in the flat run it does not.
    expect(leaking.rssLowSlopeMbPerMin).toBeCloseTo(3, 1);
    expect(Math.abs(flat.rssLowSlopeMbPerMin)).toBeLessThan(0.01);
    expect(leaking.heapSlopeMbPerMin).toBeCloseTo(0.75, 1);
  });

  it('gives no pass when too few minutes follow the warm-up', () => {
    expect(
      memoryTrend(
        perMinuteMedians(
          samples(6, () => 400),
          360,
        ),
      ).flat,
    ).toBe(false);
  });
});
