/**
 * Whether a soak's memory is flat: per-minute medians of RSS and the main thread's JS heap, and their
 * least-squares slopes after a warm-up. Medians, because a single 5-second sample lands anywhere on
 * the garbage collector's saw-tooth; a slope, because a leak shows as a steady rise, not a high peak.
 */
import { median } from './bench-result.js';

/** The per-sample figures a trend needs (see SoakSample). */
export interface MemorySample {
  /** Seconds since the start. */
  readonly t: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly duckDbMb: number;
}

/** The memory figures summed up per minute. */
const FIELDS = ['rssMb', 'heapMb', 'heapTotalMb', 'externalMb', 'duckDbMb'] as const;

/** One minute of a soak: the median of its samples. Minute 1 holds the samples of seconds (0, 60]. */
export interface MinuteMedians extends Record<(typeof FIELDS)[number], number> {
  readonly minute: number;
  readonly samples: number;
  /** The minute's lowest RSS sample: the level the saw-tooth falls back to (see MemoryTrend). */
  readonly rssLowMb: number;
}

/** What the soak reports about memory after the warm-up, against the bound. */
export interface MemoryTrend {
  /** The first minute counted (the warm-up ends before it). */
  readonly fromMinute: number;
  readonly toMinute: number;
  /** Least-squares slopes of the per-minute medians, in MB per minute. */
  readonly rssSlopeMbPerMin: number;
  readonly heapSlopeMbPerMin: number;
  /**
   * The slope of each minute's lowest RSS sample: a diagnostic, not part of the verdict. Where the
   * medians' slope is near the bound, it tells a rise of the level the garbage collector returns to
   * (it rises too) from a few minutes that happened to sample the saw-tooth high (it does not).
   */
  readonly rssLowSlopeMbPerMin: number;
  readonly boundMbPerMin: number;
  /** Both slopes within the bound; false too when fewer than two minutes follow the warm-up. */
  readonly flat: boolean;
}

/**
 * The medians of each whole minute up to `durationS` (samples taken while the run drains after its
 * duration are left out, as is a last minute the run did not fill).
 */
export function perMinuteMedians(samples: readonly MemorySample[], durationS: number): MinuteMedians[] {
  const minutes: MinuteMedians[] = [];
  for (let minute = 1; minute * 60 <= durationS; minute++) {
    const inMinute = samples.filter((s) => s.t > (minute - 1) * 60 && s.t <= minute * 60);
    if (inMinute.length === 0) continue;
    const medians = Object.fromEntries(FIELDS.map((f) => [f, median(inMinute.map((s) => s[f]))]));
    minutes.push({
      minute,
      samples: inMinute.length,
      rssLowMb: Math.min(...inMinute.map((s) => s.rssMb)),
      ...(medians as Record<(typeof FIELDS)[number], number>),
    });
  }
  return minutes;
}

/** The slope of the least-squares line through the points (NaN for fewer than two distinct x). */
export function leastSquaresSlope(points: readonly { readonly x: number; readonly y: number }[]): number {
  const n = points.length;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let covariance = 0;
  let varianceX = 0;
  for (const { x, y } of points) {
    covariance += (x - meanX) * (y - meanY);
    varianceX += (x - meanX) ** 2;
  }
  return varianceX > 0 ? covariance / varianceX : NaN;
}

/** The slopes of the minutes after `warmUpMinutes`, and whether both stay within `boundMbPerMin`. */
export function memoryTrend(
  minutes: readonly MinuteMedians[],
  { warmUpMinutes = 5, boundMbPerMin = 0.5 } = {},
): MemoryTrend {
  const counted = minutes.filter((m) => m.minute > warmUpMinutes);
  const slope = (field: 'rssMb' | 'heapMb' | 'rssLowMb'): number =>
    leastSquaresSlope(counted.map((m) => ({ x: m.minute, y: m[field] })));
  const rssSlopeMbPerMin = slope('rssMb');
  const heapSlopeMbPerMin = slope('heapMb');
  return {
    fromMinute: warmUpMinutes + 1,
    toMinute: counted.at(-1)?.minute ?? warmUpMinutes,
    rssSlopeMbPerMin,
    heapSlopeMbPerMin,
    rssLowSlopeMbPerMin: slope('rssLowMb'),
    boundMbPerMin,
    // NaN (too few minutes) compares false: no verdict is not a pass.
    flat: rssSlopeMbPerMin <= boundMbPerMin && heapSlopeMbPerMin <= boundMbPerMin,
  };
}
