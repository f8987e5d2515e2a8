import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { FlowControl, MessageHandler, SubscribeOptions, Subscriber } from '../message-bus.js';
import type { DeadLettered, PullResult, SettleOperation } from './bus-delivery.js';
import type { BusStore } from './bus-store.js';
import { isBusy } from './bus-store-errors.js';
import { DeliveryBatch, EmbeddedMessage, type MessageOwner } from './embedded-message.js';
import type { WakeSignal } from './wake-signal.js';

/** What a subscriber uses of its bus. */
export interface SubscriberHost {
  readonly store: BusStore;
  readonly signal: WakeSignal;
  /** How often to look for messages published by other processes while idle. */
  readonly pollIntervalMs: number;
  /** Called once the subscriber has closed. */
  forget(subscriber: EmbeddedSubscriber): void;
}

/** Pub/Sub's client defaults. */
const DEFAULT_FLOW_CONTROL: FlowControl = { maxMessages: 1000, maxBytes: 100 * 1024 * 1024 };
/** Acks wait at most this long to be written together (a lost ack only means a redelivery). */
const FLUSH_DELAY_MS = 5;
/** How often held messages are checked for leases that ran out. */
const EXPIRY_CHECK_MS = 100;
/** Back-off after a failed transaction (disk full, lock timeout) or while the subscription is missing. */
const RETRY_DELAY_MS = 250;
/** While another process holds the write lock, retry after 1-5 ms; report it only after this long. */
const BUSY_PATIENCE_MS = 10_000;
/** close() waits at most this long (or the ack deadline, if shorter) for held messages to settle. */
const MAX_CLOSE_WAIT_MS = 10_000;

/**
 * Streams one subscription's messages to a handler: pulls leased batches from the store within the
 * flow-control limits, queues acks in memory and writes them in one transaction with the next pull
 * (or within FLUSH_DELAY_MS), and polls while idle for messages from other processes.
 */
export class EmbeddedSubscriber implements Subscriber, MessageOwner {
  private readonly flow: FlowControl;
  private readonly onError: (error: Error) => void;
  private readonly outstanding = new Set<EmbeddedMessage>();
  private outstandingBytes = 0;
  /** Settlements not yet written, in order. */
  private pending: SettleOperation[] = [];
  /** Batches whose bitmap changed since it was last written. */
  private dirty = new Set<DeliveryBatch>();
  /** False after a pull found nothing: then a cheap read check comes before the next pull. */
  private mayHaveWork = true;
  private topicId: number | null | undefined;
  private ackDeadlineMs = 60_000;
  private immediate: NodeJS.Immediate | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private timeoutDueMs = Infinity;
  private lastExpiryCheckMs = 0;
  private reportedMissing = false;
  private busySinceMs: number | undefined;
  private stopping = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private readonly unlisten: () => void;

  constructor(
    private readonly host: SubscriberHost,
    readonly name: string,
    private readonly handler: MessageHandler,
    options: SubscribeOptions = {},
  ) {
    this.flow = options.flowControl ?? DEFAULT_FLOW_CONTROL;
    if (!(this.flow.maxMessages >= 1 && this.flow.maxBytes >= 1))
      throw new ShopstreamError(
        'SHOP_E_CONFIG_INVALID',
        'flow control: maxMessages and maxBytes must be at least 1',
        {
          context: { subscription: name, ...this.flow },
        },
      );
    this.onError = options.onError ?? (() => undefined);
    this.unlisten = host.signal.listen((topic) => {
      if (topic === 'all' || this.topicId === undefined || topic === this.topicId) {
        this.mayHaveWork = true;
        this.schedule(0);
      }
    });
    this.schedule(0);
  }

  /** Leases live in the bus file: a consumer that died leaves them in the backlog, which drains count. */
  drainableAt(): number {
    return 0;
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  // ── MessageOwner: called by delivered messages ─────────────────────────────────────────────────

  settle(message: EmbeddedMessage, how: 'ack' | 'nack'): void {
    if (this.closed || message.state === 'settled') return;
    const wasOutstanding = message.state === 'outstanding';
    message.state = 'settled';
    if (how === 'nack') {
      this.giveBack(message, true, 0);
      this.mayHaveWork = true;
    } else if (message.batch) {
      if (message.batch.mark(message.index)) this.dirty.add(message.batch);
    } else {
      this.pending.push({ kind: 'ack', seq: message.seq, delivery: message.delivery });
    }
    if (wasOutstanding) this.release(message);
    this.schedule(this.mayHaveWork ? 0 : FLUSH_DELAY_MS);
  }

  extend(message: EmbeddedMessage, seconds: number): void {
    if (this.closed || message.state === 'settled') return;
    if (!(seconds > 0)) return this.settle(message, 'nack'); // as in Pub/Sub: a zero deadline is a nack
    const ms = Math.round(Math.min(seconds, 600) * 1000);
    this.giveBack(message, false, ms);
    message.leaseUntilMs = Date.now() + ms;
    this.schedule(FLUSH_DELAY_MS);
  }

  // ── The loop ───────────────────────────────────────────────────────────────────────────────────

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.tick();
      });
      return;
    }
    const due = Date.now() + delayMs;
    if (this.timeout !== undefined && this.timeoutDueMs <= due) return;
    clearTimeout(this.timeout);
    this.timeoutDueMs = due;
    this.timeout = setTimeout(() => {
      this.timeout = undefined;
      this.timeoutDueMs = Infinity;
      this.tick();
    }, delayMs);
  }

  private tick(): void {
    if (this.closed) return;
    const now = Date.now();
    if (now - this.lastExpiryCheckMs >= EXPIRY_CHECK_MS) this.releaseExpired(now);
    let pull = !this.stopping && this.hasRoom();
    if (pull && !this.mayHaveWork) {
      try {
        const work = this.host.store.hasWork(this.name, now);
        if (work === 'missing') return this.missing();
        pull = work;
      } catch (error) {
        if (isBusy(error)) return this.schedule(1 + Math.random() * 4);
        this.onError(error as Error);
        return this.schedule(RETRY_DELAY_MS);
      }
    }
    const result = this.transact(pull, now);
    if (result === 'busy') return this.schedule(1 + Math.random() * 4);
    if (result === 'failed') return this.schedule(RETRY_DELAY_MS);
    if (result === 'missing') return this.missing();
    let delivered = 0;
    if (result) {
      this.reportedMissing = false;
      this.ackDeadlineMs = result.subscription.ackDeadlineMs;
      this.topicId = result.subscription.topicId;
      delivered = this.deliver(result);
      this.mayHaveWork = delivered > 0;
    }
    this.schedule(this.mayHaveWork && !this.stopping && this.hasRoom() ? 0 : this.host.pollIntervalMs);
  }

  /**
   * Writes pending settlements and, when `pull`, leases more messages, in one transaction.
   * Returns undefined when nothing was pulled (or there was nothing to do).
   */
  private transact(pull: boolean, now: number): PullResult | 'missing' | 'busy' | 'failed' | undefined {
    const operations = this.pending;
    const batches = [...this.dirty];
    if (!pull && operations.length === 0 && batches.length === 0) return undefined;
    for (const batch of batches)
      operations.push({
        kind: 'batch',
        delivery: batch.delivery,
        settled: batch.settled,
        complete: batch.complete,
      });
    this.pending = [];
    this.dirty = new Set();
    const settled = { deadLettered: [] as DeadLettered[] };
    let result: PullResult | 'missing' | undefined;
    try {
      result = this.host.store.write(() => {
        if (operations.length > 0) this.host.store.settle(this.name, operations, now, settled);
        if (!pull) return undefined;
        return this.host.store.pull(
          this.name,
          {
            maxMessages: this.flow.maxMessages - this.outstanding.size,
            maxBytes: this.flow.maxBytes - this.outstandingBytes,
            oversize: this.outstanding.size === 0,
          },
          now,
        );
      });
    } catch (error) {
      // Nothing was written: keep the settlements for the next try (batch snapshots are rebuilt).
      this.pending = [...operations.filter((op) => op.kind !== 'batch'), ...this.pending];
      for (const batch of batches) this.dirty.add(batch);
      if (isBusy(error)) {
        this.busySinceMs ??= now;
        if (now - this.busySinceMs < BUSY_PATIENCE_MS) return 'busy';
      }
      this.onError(error as Error);
      return 'failed';
    }
    this.busySinceMs = undefined;
    this.announce(settled.deadLettered);
    if (result && result !== 'missing') this.announce(result.deadLettered);
    return result;
  }

  private deliver(result: PullResult): number {
    const messages: EmbeddedMessage[] = [];
    for (const r of result.redelivered)
      messages.push(
        new EmbeddedMessage(
          this,
          r.seq,
          r.data,
          r.publish_ms,
          r.attributes,
          r.attempt,
          result.deliveryId,
          null,
          result.leaseUntilMs,
        ),
      );
    if (result.batch) {
      const batch = new DeliveryBatch(result.deliveryId, result.batch.firstSeq, result.batch.rows.length);
      for (const [seq, publishMs, data, attributes] of result.batch.rows)
        messages.push(
          new EmbeddedMessage(
            this,
            seq,
            data,
            publishMs,
            attributes,
            1,
            result.deliveryId,
            batch,
            result.leaseUntilMs,
          ),
        );
    }
    for (const message of messages) {
      if (this.stopping) {
        // Closed from a handler: what was not handed out goes back at once.
        message.state = 'settled';
        this.giveBack(message, false, 0);
        continue;
      }
      this.outstanding.add(message);
      this.outstandingBytes += message.data.length;
      try {
        this.handler(message);
      } catch (error) {
        this.onError(error as Error);
        message.nack();
      }
    }
    return messages.length;
  }

  private hasRoom(): boolean {
    return this.outstanding.size < this.flow.maxMessages && this.outstandingBytes < this.flow.maxBytes;
  }

  /** Queues a message's return: nacked (after the retry backoff), or re-leased for `deadlineMs`. */
  private giveBack(message: EmbeddedMessage, nack: boolean, deadlineMs: number): void {
    const fromBatch = message.batch !== null;
    if (message.batch) {
      if (message.batch.mark(message.index)) this.dirty.add(message.batch);
      message.batch = null;
    }
    this.pending.push({
      kind: 'lease',
      seq: message.seq,
      delivery: message.delivery,
      fromBatch,
      attempt: message.deliveryAttempt,
      nack,
      deadlineMs,
    });
  }

  private release(message: EmbeddedMessage): void {
    if (!this.outstanding.delete(message)) return;
    this.outstandingBytes -= message.data.length;
    if (this.outstanding.size === 0) this.drained?.();
  }

  /** Stops counting messages whose lease ran out: they are someone else's to deliver now. */
  private releaseExpired(now: number): void {
    this.lastExpiryCheckMs = now;
    for (const message of this.outstanding)
      if (message.leaseUntilMs <= now) {
        message.state = 'expired';
        this.release(message);
      }
  }

  private announce(deadLettered: readonly DeadLettered[]): void {
    for (const topicId of new Set(deadLettered.map((d) => d.topicId))) this.host.signal.notify(topicId);
  }

  private missing(): void {
    if (!this.reportedMissing) {
      this.reportedMissing = true;
      this.onError(
        new ShopstreamError(
          'SHOP_E_BUS_NOT_FOUND',
          `subscription ${this.name} does not exist (run \`shopstream setup\`)`,
          {
            retryable: true,
            context: { subscription: this.name },
          },
        ),
      );
    }
    this.schedule(RETRY_DELAY_MS);
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.outstanding.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = setTimeout(resolve, Math.min(this.ackDeadlineMs, MAX_CLOSE_WAIT_MS));
      });
      clearTimeout(timer);
    }
    // Whatever the handler still holds goes back now rather than at the end of its lease.
    for (const message of [...this.outstanding]) {
      message.state = 'settled';
      this.giveBack(message, false, 0);
      this.release(message);
    }
    // The last settlements: worth waiting a little for another process's lock.
    const deadline = Date.now() + BUSY_PATIENCE_MS;
    while (this.transact(false, Date.now()) === 'busy' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4));
    this.closed = true;
    clearImmediate(this.immediate);
    clearTimeout(this.timeout);
    this.unlisten();
    this.host.forget(this);
  }
}
