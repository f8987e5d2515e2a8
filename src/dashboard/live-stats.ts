import { EVENT_TYPES, type EventType } from '../contract/event-types.js';
import type { Telemetry } from '../telemetry/telemetry.js';

/** Counts by event type. */
export type CountsByType = Record<EventType, number>;

/** One second of the running system, as the dashboard charts it. */
export interface LivePoint {
  /** End of the second, epoch ms. */
  readonly t: number;
  /** Events the generator published in this second, by type; `invalid` are deliberately broken ones. */
  readonly generated: CountsByType & { readonly invalid: number };
  /** Events made durable (lake + warehouse) and acked in this second, by type. */
  readonly processed: CountsByType;
  /** Messages sent to the DLQ in this second, by error code. */
  readonly dlq: Readonly<Record<string, number>>;
  /** Unacked messages on the pipeline's subscription at the last sample; null before the first. */
  readonly backlog: number | null;
  /** Publish → durable latency percentiles over the last few seconds, in ms; null with no events. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** Totals since start. */
export interface LiveTotals {
  readonly generated: CountsByType & { readonly invalid: number };
  readonly processed: CountsByType;
  readonly dlq: Readonly<Record<string, number>>;
}

/** What the dashboard and the terminal status get once a second. */
export interface LiveSnapshot {
  readonly point: LivePoint;
  readonly totals: LiveTotals;
  readonly startedAt: number;
}

/** Options of {@link LiveStats}. */
export interface LiveStatsOptions {
  /** Seconds of history kept for a page that connects later. Default 600. */
  readonly historySeconds?: number;
  /** The latency percentiles cover this many recent seconds, so they do not flicker. Default 5. */
  readonly latencyWindowSeconds?: number;
  /** Latencies kept per second for the percentiles (a strided sample above it). Default 2,000. */
  readonly latencySamplesPerSecond?: number;
  readonly now?: () => number;
}

const zeroByType = (): CountsByType => ({ order: 0, inventory: 0, user_activity: 0 });

/**
 * Turns the telemetry event stream into one {@link LivePoint} per second, plus totals and a bounded
 * history. The owner calls {@link tick} once a second; both the dashboard (over SSE) and the terminal
 * status read the same numbers.
 */
export class LiveStats {
  readonly startedAt: number;
  private readonly historySeconds: number;
  private readonly latencyWindow: number;
  private readonly samplesPerSecond: number;
  private readonly now: () => number;
  private readonly unsubscribe: (() => void)[];
  private readonly points: LivePoint[] = [];
  private readonly totals = {
    generated: { ...zeroByType(), invalid: 0 },
    processed: zeroByType(),
    dlq: {} as Record<string, number>,
  };
  private current = this.emptySecond();
  private backlog: number | null = null;
  private readonly latencySeconds: number[][] = [];

  constructor(telemetry: Telemetry, subscription: string, options: LiveStatsOptions = {}) {
    this.historySeconds = options.historySeconds ?? 600;
    this.latencyWindow = options.latencyWindowSeconds ?? 5;
    this.samplesPerSecond = options.latencySamplesPerSecond ?? 2_000;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.unsubscribe = [
      telemetry.on('generator:published', ({ byType, invalid }) => {
        for (const type of EVENT_TYPES) {
          const n = byType[type] ?? 0;
          this.current.generated[type] += n;
          this.totals.generated[type] += n;
        }
        this.current.generated.invalid += invalid;
        this.totals.generated.invalid += invalid;
      }),
      telemetry.on('events:durable', ({ eventType, count, latenciesMs }) => {
        this.current.processed[eventType] += count;
        this.totals.processed[eventType] += count;
        this.sampleLatencies(latenciesMs);
      }),
      telemetry.on('messages:dead-lettered', ({ code, count }) => {
        this.current.dlq[code] = (this.current.dlq[code] ?? 0) + count;
        this.totals.dlq[code] = (this.totals.dlq[code] ?? 0) + count;
      }),
      telemetry.on('backlog:sampled', (sample) => {
        if (sample.subscription === subscription) this.backlog = sample.backlog;
      }),
    ];
  }

  /** Closes the current second: returns it (with totals) and starts the next. */
  tick(): LiveSnapshot {
    this.latencySeconds.push(this.current.latencies);
    while (this.latencySeconds.length > this.latencyWindow) this.latencySeconds.shift();
    const window = this.latencySeconds.flat().sort((a, b) => a - b);
    const point: LivePoint = {
      t: this.now(),
      generated: this.current.generated,
      processed: this.current.processed,
      dlq: this.current.dlq,
      backlog: this.backlog,
      p50Ms: percentile(window, 0.5),
      p99Ms: percentile(window, 0.99),
    };
    this.points.push(point);
    if (this.points.length > this.historySeconds) this.points.shift();
    this.current = this.emptySecond();
    return this.snapshot(point);
  }

  /** The last `seconds` points, oldest first. */
  history(seconds = this.historySeconds): readonly LivePoint[] {
    return this.points.slice(-seconds);
  }

  /** The latest closed second with the totals; undefined before the first tick. */
  latest(): LiveSnapshot | undefined {
    const point = this.points.at(-1);
    return point && this.snapshot(point);
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  private snapshot(point: LivePoint): LiveSnapshot {
    return {
      point,
      totals: {
        generated: { ...this.totals.generated },
        processed: { ...this.totals.processed },
        dlq: { ...this.totals.dlq },
      },
      startedAt: this.startedAt,
    };
  }

  private sampleLatencies(latenciesMs: readonly number[]): void {
    const kept = this.current.latencies;
    // A strided sample keeps the percentiles cheap at any rate.
    const stride = Math.max(1, Math.ceil(latenciesMs.length / this.samplesPerSecond));
    for (let i = 0; i < latenciesMs.length && kept.length < this.samplesPerSecond * 2; i += stride)
      kept.push(latenciesMs[i]!);
  }

  private emptySecond(): {
    generated: CountsByType & { invalid: number };
    processed: CountsByType;
    dlq: Record<string, number>;
    latencies: number[];
  } {
    return { generated: { ...zeroByType(), invalid: 0 }, processed: zeroByType(), dlq: {}, latencies: [] };
  }
}

/** Nearest-rank percentile of sorted values; null when there are none. */
function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
