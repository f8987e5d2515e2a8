import type { MessageBus, ReceivedMessage, Subscriber } from '../bus/message-bus.js';
import type { EventType } from '../contract/event-types.js';
import type { ErrorCode } from '../errors/error-codes.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../telemetry/logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { Semaphore } from '../util/semaphore.js';
import { Batch } from './batch.js';
import { BatchWriter, SinkError, type PreparedBatchOf } from './batch-writer.js';
import { PipelineHealth } from './pipeline-health.js';
import {
  compilePipelineOptions,
  type CompiledPipelineOptions,
  type PipelineOptions,
} from './pipeline-options.js';
import { PreparePool } from './prepare-pool.js';
import { SinkAlarms } from './sink-alarms.js';
import { eventTypeOfOutcome, type PreparedBatch } from './prepared-batch.js';

/**
 * A closed batch is normally acked within a second or two. One held longer — waiting for a flush slot
 * behind batches that retry a failing sink — gets its leases extended every LEASE_CHECK_MS once it has
 * been held EXTEND_AFTER_MS, by LEASE_EXTENSION_S, so that its messages (at most flushMaxAgeMs older
 * than the batch) are extended well within the shortest ack deadline Pub/Sub allows, 10 s.
 */
const LEASE_CHECK_MS = 2_000;
const EXTEND_AFTER_MS = 5_000;
const LEASE_EXTENSION_S = 60;
/** How often drained() looks again. */
const DRAIN_CHECK_MS = 100;

/** What a pipeline needs from outside: the three ports, and where to report. */
export interface PipelineDependencies {
  readonly bus: MessageBus;
  readonly lake: Lake;
  readonly warehouse: Warehouse;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
}

/** Running totals since start. */
export interface PipelineStats {
  received: number;
  accepted: number;
  deadLettered: number;
  acked: number;
  failedFlushes: number;
  /** When start() began pulling, and when the last batch was acked (ms since epoch): the drain time. */
  startedAt: number;
  lastAckAt: number;
}

/**
 * The streaming pipeline: subscription → decode → validate → route → sinks → ack.
 *
 * Messages are collected into a {@link Batch} for up to `flushMaxAgeMs` (or until it reaches
 * `flushMaxRecords` or `flushMaxBytes`, or deliveries pause). A worker thread of the
 * {@link PreparePool} then checks it against the contract and lays out its writes, while this thread
 * goes on pulling; the batch is then made durable — lake files, warehouse rows, DLQ — and only then
 * acked. Up to `maxConcurrentFlushes` batches are written while the next ones are checked and filled.
 *
 * When a sink fails, the batch is kept and retried with exponential backoff while its leases are
 * extended, instead of being nacked at once: a failing sink is not the message's fault, so it must not
 * spend the message's delivery attempts and send valid events to the dead-letter topic. Flow control
 * stops deliveries meanwhile, so memory stays bounded. Messages still unwritten at shutdown are nacked
 * for redelivery.
 */
export class StreamingPipeline {
  readonly options: CompiledPipelineOptions;
  readonly health = new PipelineHealth();
  readonly stats: PipelineStats = {
    received: 0,
    accepted: 0,
    deadLettered: 0,
    acked: 0,
    failedFlushes: 0,
    startedAt: 0,
    lastAckAt: 0,
  };

  private readonly writer: BatchWriter;
  private readonly alarms: SinkAlarms;
  private pool: PreparePool | undefined;
  private subscriber: Subscriber | undefined;
  private batch = new Batch();
  private batchTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** When the batch filling now got its first message. */
  private batchOpenedAt = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  /** Closed batches not yet acked or nacked: when each was closed, and until when its leases were extended. */
  private readonly held = new Map<Batch, { closedAt: number; leasedUntil: number }>();
  /** Batches being written; up to maxConcurrentFlushes at once (lake writes and appends overlap). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly flushSlots: Semaphore;
  private lastMessageAt = Date.now();
  private closing = false;
  /** Aborted when close()'s deadline passes: retrying stops, and a retry waiting out its backoff wakes. */
  private readonly stopRetrying = new AbortController();

  constructor(
    private readonly deps: PipelineDependencies,
    options: PipelineOptions,
  ) {
    this.options = compilePipelineOptions(options);
    this.flushSlots = new Semaphore(this.options.maxConcurrentFlushes);
    this.writer = new BatchWriter(deps.lake, deps.warehouse, deps.telemetry, this.options.workerId);
    this.alarms = new SinkAlarms(this.health, deps.telemetry, deps.logger);
  }

  /** Starts pulling. Throws when the subscription does not exist. */
  async start(): Promise<void> {
    await this.deps.bus.describeSubscription(this.options.subscription);
    this.pool = new PreparePool(
      this.options.prepareWorkers,
      this.options.contract,
      this.deps.warehouse.rowEncoding,
    );
    this.stats.startedAt = Date.now();
    // When deliveries pause, write what we have instead of waiting for the batch's max age: the bus
    // has nothing more right now, so waiting only adds latency.
    const quietMs = this.options.flushQuietMs;
    this.quietTimer = setInterval(
      () => {
        if (this.batch.size > 0 && Date.now() - this.lastMessageAt >= quietMs) void this.flush();
      },
      Math.max(10, quietMs / 2),
    );
    this.quietTimer.unref();
    this.leaseTimer = setInterval(() => this.keepLeases(), LEASE_CHECK_MS);
    this.leaseTimer.unref();
    this.subscriber = this.deps.bus.subscribe(this.options.subscription, (message) => this.receive(message), {
      flowControl: {
        maxMessages: this.options.maxOutstandingMessages,
        maxBytes: this.options.maxOutstandingBytes,
      },
      onError: (error) => this.deps.logger.warn({ err: error }, 'subscriber error; it keeps retrying'),
    });
    this.deps.logger.info(
      { subscription: this.options.subscription, workerId: this.options.workerId },
      'pipeline started',
    );
  }

  private receive(message: ReceivedMessage): void {
    this.stats.received++;
    this.lastMessageAt = Date.now();
    this.batch.add(message);
    if (this.batch.size === 1) {
      this.batchOpenedAt = this.lastMessageAt;
      this.batchTimer = setTimeout(() => this.flush(), this.options.flushMaxAgeMs);
      if (this.inFlight.size === 0) this.lingerThenFlush(this.options.flushLingerMs);
    }
    if (this.batch.size >= this.options.flushMaxRecords || this.batch.bytes >= this.options.flushMaxBytes)
      void this.flush();
  }

  /**
   * Closes the current batch, sends it to a worker to be checked, and then writes it. At most
   * `maxConcurrentFlushes` batches are written at once; beyond that a batch waits for a slot (and flow
   * control holds back deliveries meanwhile).
   */
  private flush(): Promise<void> {
    clearTimeout(this.batchTimer);
    clearTimeout(this.lingerTimer);
    if (this.batch.size > 0) {
      const batch = this.batch;
      this.batch = new Batch();
      this.held.set(batch, { closedAt: Date.now(), leasedUntil: 0 });
      const preparing = this.pool!.prepare(batch.messages);
      // Awaited by the write below, unless shutdown stops it before; then its failure needs no report.
      preparing.catch(() => undefined);
      const write: Promise<void> = this.flushSlots
        .run(() => this.writeWithRetries(batch, preparing))
        .finally(() => {
          this.inFlight.delete(write);
          this.held.delete(batch);
          // The writer is free: what gathered meanwhile goes now, once it is flushLingerMs old.
          if (this.inFlight.size === 0 && this.batch.size > 0 && !this.closing)
            this.lingerThenFlush(this.batchOpenedAt + this.options.flushLingerMs - Date.now());
        });
      this.inFlight.add(write);
    }
    return this.allWritten();
  }

  /**
   * Group commit: while nothing is being written, a batch need not wait for its max age, only for
   * `flushLingerMs` (so that a burst of deliveries goes as one); while batches are being written, the
   * next one fills until a write ends or it is full. A quiet stream is written at once, a busy one
   * batches by itself.
   */
  private lingerThenFlush(ms: number): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = setTimeout(
      () => {
        if (this.inFlight.size === 0) void this.flush();
      },
      Math.max(0, ms),
    );
  }

  /**
   * Extends the leases of batches held longer than a write normally takes. A batch retrying a failing
   * sink extends its own before each backoff, but the batches waiting for a flush slot behind it would
   * otherwise be redelivered at their ack deadline, spending delivery attempts until the bus sends
   * valid events to the dead-letter topic.
   */
  private keepLeases(): void {
    const now = Date.now();
    for (const [batch, lease] of this.held) {
      if (now - lease.closedAt < EXTEND_AFTER_MS || lease.leasedUntil - now > (LEASE_EXTENSION_S * 1000) / 2)
        continue;
      for (const message of batch.messages) message.modifyAckDeadline(LEASE_EXTENSION_S);
      lease.leasedUntil = now + LEASE_EXTENSION_S * 1000;
    }
  }

  /** Resolves when every batch closed so far is written (or given back). */
  private async allWritten(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Writes a batch and acks it; on a sink failure retries with exponential backoff, keeping the leases.
   * Past the shutdown deadline no write starts and one still pending (a hung sink) is not waited for:
   * the batch goes back to the bus, so SIGTERM exits in time whatever the sinks do.
   */
  private async writeWithRetries(batch: Batch, preparing: Promise<PreparedBatch>): Promise<void> {
    const { signal } = this.stopRetrying;
    let failure: SinkError | undefined;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const prepared = (batch.prepared ??= await this.prepared(
          batch,
          attempt === 0 ? preparing : undefined,
        ));
        const writing = this.writer.write({ messages: batch.messages, prepared, progress: batch.progress });
        if (!(await settlesBefore(writing, signal))) break;
        // As written: messages a sink refused row by row are in the DLQ now, no longer accepted.
        this.acknowledge({ messages: batch.messages, prepared: await writing });
        this.alarms.succeeded(['prepare', 'lake', 'warehouse', 'dlq']);
        return;
      } catch (error) {
        failure = error instanceof SinkError ? error : new SinkError('lake', error);
        this.stats.failedFlushes++;
        // Transient or blocked (no retry fixes it: a missing table, a permission), the batch is kept
        // and retried with capped backoff, so the pipeline resumes by itself once the cause is fixed.
        const backoff = Math.min(
          this.options.retryMaxBackoffMs,
          this.options.retryMinBackoffMs * 2 ** Math.min(attempt, 20),
        );
        this.alarms.failed(failure, { attempt: attempt + 1, backoffMs: backoff, messages: batch.size });
        if (signal.aborted) break;
        // Keep the leases while we wait, so the bus does not hand the batch to another worker.
        for (const message of batch.messages) message.modifyAckDeadline(Math.ceil(backoff / 1000) + 60);
        await sleep(backoff, signal);
      }
    }
    this.giveBack(batch, failure);
  }

  /** The batch checked by a worker: the first attempt's result, or a new check when that one failed. */
  private async prepared(batch: Batch, first: Promise<PreparedBatch> | undefined): Promise<PreparedBatch> {
    try {
      return await (first ?? this.pool!.prepare(batch.messages));
    } catch (error) {
      throw new SinkError('prepare', error);
    }
  }

  /** Nacks a batch that could not be written before the shutdown deadline, for redelivery. */
  private giveBack(batch: Batch, failure: SinkError | undefined): void {
    for (const message of batch.messages) message.nack();
    const reason = failure ? `shutdown while ${failure.sink} fails` : 'shutdown before the batch was written';
    this.deps.telemetry.emit('messages:nacked', { count: batch.size, reason });
    this.deps.logger.error({ err: failure, messages: batch.size }, `${reason}; batch nacked for redelivery`);
  }

  private acknowledge({ messages, prepared }: PreparedBatchOf): void {
    const now = Date.now();
    const latencies = new Map<EventType, number[]>();
    for (let i = 0; i < messages.length; i++) {
      const eventType = eventTypeOfOutcome(prepared.outcomes[i]!);
      if (!eventType) continue;
      let list = latencies.get(eventType);
      if (!list) latencies.set(eventType, (list = []));
      list.push(now - messages[i]!.publishTime.getTime());
    }
    const rejectedByCode = new Map<ErrorCode, number>();
    for (const { failure } of prepared.rejected)
      rejectedByCode.set(failure.code, (rejectedByCode.get(failure.code) ?? 0) + 1);
    for (const message of messages) message.ack();
    this.stats.acked += messages.length;
    this.stats.lastAckAt = now;
    this.stats.accepted += messages.length - prepared.rejected.length;
    this.stats.deadLettered += prepared.rejected.length;
    for (const [eventType, latenciesMs] of latencies)
      this.deps.telemetry.emit('events:durable', {
        eventType,
        count: latenciesMs.length,
        latenciesMs,
        unknownFields: prepared.unknownFields[eventType],
      });
    for (const [code, count] of rejectedByCode)
      this.deps.telemetry.emit('messages:dead-lettered', { code, count });
  }

  /** True when nothing is buffered or being written. */
  get idle(): boolean {
    return this.batch.size === 0 && this.inFlight.size === 0;
  }

  /**
   * Resolves once the subscription is drained: nothing buffered or being written, and
   * - where the bus reports its backlog (the embedded bus, exactly), once it is 0;
   * - where it cannot (Pub/Sub), once no message arrived for `idleMs` counted from the later of the
   *   last delivery and the subscriber's {@link Subscriber.drainableAt} (after a dropped connection,
   *   what the server leased to the dead stream comes back only when that lease ends), and the bus
   *   answered a request after that, so the quiet is not an outage.
   */
  async drained(): Promise<void> {
    const { idleMs } = this.options;
    for (;;) {
      await sleep(Math.min(DRAIN_CHECK_MS, idleMs));
      if (!this.idle) continue;
      const quietSince = Math.max(this.lastMessageAt, this.subscriber?.drainableAt() ?? 0);
      let backlog: number | undefined;
      try {
        ({ backlog } = await this.deps.bus.describeSubscription(this.options.subscription));
      } catch {
        continue; // an unreachable bus proves nothing
      }
      if (!this.idle) continue;
      if (backlog !== undefined) {
        if (backlog === 0) return;
        continue;
      }
      const stillQuiet = Math.max(this.lastMessageAt, this.subscriber?.drainableAt() ?? 0) <= quietSince;
      if (stillQuiet && Date.now() - quietSince >= idleMs) return;
    }
  }

  /**
   * Stops pulling, writes what is buffered and acks it, and resolves once the subscriber is closed.
   * The subscriber's close() lets acks land while it waits for delivered messages, so the flush runs
   * inside it; messages that still arrive meanwhile are written too, never nacked (on Pub/Sub a nack
   * is redelivered at once and spends a delivery attempt). Retrying a failing sink goes on until
   * `deadlineMs`; whatever is still unwritten then is nacked for redelivery.
   */
  async close(deadlineMs = 25_000): Promise<void> {
    if (this.closing) return this.allWritten();
    this.closing = true;
    clearInterval(this.quietTimer);
    const timer = setTimeout(() => this.stopRetrying.abort(), deadlineMs);
    try {
      const subscriberClosed = this.subscriber?.close() ?? Promise.resolve();
      await this.flush();
      await subscriberClosed;
      // Anything delivered while the subscriber was closing.
      await this.flush();
    } finally {
      clearTimeout(timer);
      clearInterval(this.leaseTimer);
    }
    await this.pool?.close();
    this.deps.logger.info({ ...this.stats }, 'pipeline stopped');
  }
}

/** Resolves true when `work` resolves, false when `signal` aborts first; rejects when `work` does first. */
function settlesBefore(work: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(false);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
