import { defaultPrepareWorkers, type WorkerContractOptions } from './prepare-pool.js';

/** Options of a {@link StreamingPipeline}. Units are in the names. */
export interface PipelineOptions {
  /** The subscription to drain. */
  readonly subscription: string;
  /**
   * Flow control: unacked messages held at once. Default 20,000: a batch is in flight for about 0.1 s
   * (filled, checked on a worker, written, acked), so the window bounds the rate; at 10,000 a
   * 1,000,000-event drain ran ~15 % slower, for ~45 MB less memory.
   */
  readonly maxOutstandingMessages?: number;
  /** Flow control: unacked bytes held at once. Default 64 MiB. */
  readonly maxOutstandingBytes?: number;
  /** A batch (lake files, warehouse rows, DLQ) is flushed at the latest this long after its first message. Default 1,000. */
  readonly flushMaxAgeMs?: number;
  /**
   * While nothing is being written, a batch is flushed this long after its first message (so a burst
   * goes as one batch), and when a write ends, what gathered meanwhile goes once it is this old: a
   * quiet stream is written at once, a busy one batches by itself (group commit). Default 20.
   */
  readonly flushLingerMs?: number;
  /** A batch is also flushed when no message arrived for this long (the bus has nothing more now). Default 200. */
  readonly flushQuietMs?: number;
  /** A batch is flushed when its payloads reach this many bytes. Default 16 MiB. */
  readonly flushMaxBytes?: number;
  /** A batch is flushed when it holds this many messages. Default 50,000 (flow control may lower it). */
  readonly flushMaxRecords?: number;
  /**
   * Batches checked and written at once, beside the one filling. Default 7: flow control's window is
   * split into 8 batches, small enough to fill in half a second at 5,000 events/s (latency) and many
   * enough to keep the prepare worker, the lake and DuckDB busy at once (a 1,000,000-event drain ran
   * ~126k events/s with 7, ~115k with 3, whose batches are twice as large).
   */
  readonly maxConcurrentFlushes?: number;
  /** Backoff between retries of a failed flush, doubling per consecutive failure up to the maximum. */
  readonly retryMinBackoffMs?: number;
  readonly retryMaxBackoffMs?: number;
  /** With exitWhenIdle, how long with nothing to do counts as idle. Default 2,000. */
  readonly idleMs?: number;
  /** Worker threads that check batches against the contract. Default: see defaultPrepareWorkers(). */
  readonly prepareWorkers?: number;
  /** Contract bounds (timestamps, message size). */
  readonly contract?: WorkerContractOptions;
  /** Names this worker's files; unique per process by default. */
  readonly workerId?: string;
}

export interface CompiledPipelineOptions {
  readonly subscription: string;
  readonly maxOutstandingMessages: number;
  readonly maxOutstandingBytes: number;
  readonly flushMaxAgeMs: number;
  readonly flushQuietMs: number;
  readonly flushLingerMs: number;
  readonly flushMaxBytes: number;
  readonly flushMaxRecords: number;
  readonly maxConcurrentFlushes: number;
  readonly retryMinBackoffMs: number;
  readonly retryMaxBackoffMs: number;
  readonly idleMs: number;
  readonly prepareWorkers: number;
  readonly contract: WorkerContractOptions;
  readonly workerId: string;
}

export function compilePipelineOptions(options: PipelineOptions): CompiledPipelineOptions {
  const positive = (name: string, value: number): number => {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`pipeline ${name} must be > 0, got ${value}`);
    return value;
  };
  const maxOutstandingMessages = positive('maxOutstandingMessages', options.maxOutstandingMessages ?? 20_000);
  const maxConcurrentFlushes = positive('maxConcurrentFlushes', options.maxConcurrentFlushes ?? 7);
  return Object.freeze({
    subscription: options.subscription,
    maxOutstandingMessages,
    maxOutstandingBytes: positive('maxOutstandingBytes', options.maxOutstandingBytes ?? 64 * 1024 * 1024),
    flushMaxAgeMs: positive('flushMaxAgeMs', options.flushMaxAgeMs ?? 1_000),
    flushQuietMs: positive('flushQuietMs', options.flushQuietMs ?? 200),
    flushLingerMs: positive('flushLingerMs', options.flushLingerMs ?? 20),
    flushMaxBytes: positive('flushMaxBytes', options.flushMaxBytes ?? 16 * 1024 * 1024),
    maxConcurrentFlushes,
    // Batches must close before flow control stops deliveries, or they would wait for their age alone:
    // the batches being written and the one filling must all fit in the outstanding window.
    flushMaxRecords: Math.min(
      positive('flushMaxRecords', options.flushMaxRecords ?? 50_000),
      Math.max(1, Math.floor(maxOutstandingMessages / (maxConcurrentFlushes + 1))),
    ),
    retryMinBackoffMs: positive('retryMinBackoffMs', options.retryMinBackoffMs ?? 200),
    retryMaxBackoffMs: positive('retryMaxBackoffMs', options.retryMaxBackoffMs ?? 30_000),
    idleMs: positive('idleMs', options.idleMs ?? 2_000),
    prepareWorkers: positive('prepareWorkers', options.prepareWorkers ?? defaultPrepareWorkers()),
    contract: options.contract ?? {},
    workerId: options.workerId ?? defaultWorkerId(),
  });
}

/** Eight random hex digits: unique enough across concurrent workers that share a lake. */
function defaultWorkerId(): string {
  return Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}
