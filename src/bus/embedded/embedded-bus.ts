/**
 * The embedded bus: Pub/Sub semantics on local disk, with zero set-up (`embedded:./data/bus`).
 *
 * Storage: one SQLite database through better-sqlite3, in WAL mode (see bus-schema.ts for the tables).
 * Why SQLite rather than a log of our own: several processes must share one folder (`shopstream
 * generate` publishing while `shopstream up` consumes), and SQLite gives us, tested by billions of
 * installs, what a home-made log would have to re-invent: cross-process locking, atomic multi-row
 * commits (a publish batch, a pull with its lease, an ack batch), and crash recovery. Speed comes from
 * doing per-message work in bulk: a publish batch is one transaction; a pull leases a whole run of
 * new messages as one `batches` row (cursor + bitmap) instead of one row per message; acks are queued
 * in memory and written with the next pull or within a few milliseconds.
 *
 * Durability argument: `publish()` resolves only after its transaction has committed. In WAL mode a
 * commit appends the pages to `bus.sqlite-wal` with write(2) before returning, so the data is in the
 * operating system's page cache, which outlives the process: `kill -9` of the publisher (or of any
 * other process using the folder) cannot lose it, and the next opener replays the WAL. With
 * `synchronous: 'normal'` (the default) the WAL is fsync'ed at checkpoints only, so a power cut or
 * kernel crash may lose the last commits (never corrupt the database); `synchronous: 'full'` fsyncs
 * every commit and survives those too, at a large cost in publish speed.
 * Acks are at-least-once by design: an ack still queued in memory when a consumer dies only causes a
 * redelivery, which the pipeline tolerates (event_id deduplication).
 *
 * Semantics, as Pub/Sub: a subscription gets every message published after it was created; delivered
 * messages are leased for the ack deadline and redelivered after it, or after a nack (retry backoff);
 * after maxDeliveryAttempts deliveries a message moves to the dead-letter topic; consumers of one
 * subscription, in any process, share its messages without double delivery while leases hold; acked
 * messages are kept for `retainAckedSeconds` (capped by the subscription's retention), and at most
 * the newest `retainAckedMessages` of a topic, so `seek` can replay them, then deleted (so acked
 * data on disk stays bounded whatever the traffic); unacked messages are dropped after the subscription's retention.
 *
 * Differences from Pub/Sub: message ids are unique per topic (as Pub/Sub promises), not globally; a
 * seek to a future time acks only what was published before the seek; leases are not extended
 * automatically while a handler holds a message (call `modifyAckDeadline`).
 */
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type {
  MessageBus,
  MessageHandler,
  OutgoingMessage,
  SubscribeOptions,
  Subscriber,
  SubscriptionConfig,
  SubscriptionInfo,
} from '../message-bus.js';
import { BusStore } from './bus-store.js';
import { retryWhileBusy } from './bus-store-errors.js';
import { compileSubscriptionConfig } from './subscription-config.js';
import { EmbeddedSubscriber, type SubscriberHost } from './embedded-subscriber.js';
import { WakeSignal } from './wake-signal.js';

/** Options of an {@link EmbeddedBus}. */
export interface EmbeddedBusOptions {
  /** The folder holding `bus.sqlite`; created when missing. Processes sharing it share the bus. */
  readonly directory: string;
  /**
   * `'normal'` (default): a returned publish survives the death of any process. `'full'`: it also
   * survives a power cut or kernel crash (fsync per commit; much slower).
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long acked messages stay replayable by `seek` (capped by the subscription's retention). Default 600. */
  readonly retainAckedSeconds?: number;
  /** At most this many acked messages per topic stay replayable by `seek`. Default 1 000 000 (~0.5 GB of events). */
  readonly retainAckedMessages?: number;
  /** How often idle subscribers look for messages from other processes, in ms. Default 25. */
  readonly pollIntervalMs?: number;
  /** How often old messages are deleted, in ms. Default 10 000. */
  readonly sweepIntervalMs?: number;
}

interface CompiledOptions {
  readonly directory: string;
  readonly synchronous: 'normal' | 'full';
  readonly retainAcked: { readonly ms: number; readonly messages: number };
  readonly pollIntervalMs: number;
  readonly sweepIntervalMs: number;
}

/** Rows one sweep transaction deletes at most, so it never holds the lock for long. */
const SWEEP_CHUNK = 20_000;

function compileOptions(options: EmbeddedBusOptions): CompiledOptions {
  if (typeof options.directory !== 'string' || options.directory.length === 0)
    throw new ShopstreamError(
      'SHOP_E_CONFIG_INVALID',
      'embedded bus: expected embedded:<folder>, got no folder',
    );
  const positive = (value: number | undefined, fallback: number, what: string) => {
    const v = value ?? fallback;
    if (!(Number.isFinite(v) && v > 0))
      throw new ShopstreamError('SHOP_E_CONFIG_INVALID', `embedded bus: ${what} must be a positive number`, {
        context: { [what]: value },
      });
    return v;
  };
  return Object.freeze({
    directory: options.directory,
    synchronous: options.synchronous ?? 'normal',
    retainAcked: {
      ms: positive(options.retainAckedSeconds, 600, 'retainAckedSeconds') * 1000,
      messages: Math.floor(positive(options.retainAckedMessages, 1_000_000, 'retainAckedMessages')),
    },
    pollIntervalMs: positive(options.pollIntervalMs, 25, 'pollIntervalMs'),
    sweepIntervalMs: positive(options.sweepIntervalMs, 10_000, 'sweepIntervalMs'),
  });
}

/**
 * A {@link MessageBus} on a local folder. Open it with `openBus('embedded:<folder>')`.
 *
 * @example
 * const bus = new EmbeddedBus({ directory: './data/bus' });
 * await bus.start();
 */
export class EmbeddedBus implements MessageBus {
  private readonly options: CompiledOptions;
  private opened: BusStore | undefined;
  private readonly subscribers = new Set<EmbeddedSubscriber>();
  private readonly signal: WakeSignal;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: EmbeddedBusOptions) {
    this.options = compileOptions(options);
    this.signal = WakeSignal.of(this.options.directory);
  }

  async start(): Promise<void> {
    this.store().ping();
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<string[]> {
    const store = this.store();
    const encoded = messages.map((m) => ({ data: m.data, attributes: encodeAttributes(m.attributes) }));
    const { topicId, firstSeq } = await retryWhileBusy(() => store.publish(topic, encoded, Date.now()));
    if (messages.length > 0) this.signal.notify(topicId);
    return Array.from({ length: messages.length }, (_, i) => String(firstSeq + i));
  }

  subscribe(subscription: string, handler: MessageHandler, options?: SubscribeOptions): Subscriber {
    const store = this.store();
    const host: SubscriberHost = {
      store,
      signal: this.signal,
      pollIntervalMs: this.options.pollIntervalMs,
      forget: (subscriber) => this.subscribers.delete(subscriber),
    };
    const subscriber = new EmbeddedSubscriber(host, subscription, handler, options);
    this.subscribers.add(subscriber);
    return subscriber;
  }

  async ensureTopic(name: string): Promise<void> {
    const store = this.store();
    await retryWhileBusy(() => store.ensureTopic(name));
  }

  async ensureSubscription(config: SubscriptionConfig): Promise<void> {
    const [store, compiled] = [this.store(), compileSubscriptionConfig(config)];
    await retryWhileBusy(() => store.ensureSubscription(compiled));
  }

  async deleteTopic(name: string): Promise<void> {
    const store = this.store();
    await retryWhileBusy(() => store.deleteTopic(name));
  }

  async deleteSubscription(name: string): Promise<void> {
    const store = this.store();
    await retryWhileBusy(() => store.deleteSubscription(name));
  }

  async describeSubscription(name: string): Promise<SubscriptionInfo> {
    const store = this.store();
    return retryWhileBusy(() => store.describeSubscription(name));
  }

  async seek(subscription: string, time: Date): Promise<void> {
    const store = this.store();
    await retryWhileBusy(() => store.seek(subscription, time.getTime()));
    // Wake this process's subscribers of every topic: the replay is theirs to deliver.
    this.signal.notify('all');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.sweepTimer);
    await Promise.all([...this.subscribers].map((s) => s.close()));
    this.opened?.close();
  }

  /**
   * Deletes messages past their retention now, in transactions of at most SWEEP_CHUNK rows, yielding
   * between them. It also runs every `sweepIntervalMs`. Resolves with how many it deleted.
   */
  async sweep(nowMs = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const store = this.store();
      const deleted = await retryWhileBusy(() => store.sweep(nowMs, this.options.retainAcked, SWEEP_CHUNK));
      total += deleted;
      if (deleted < SWEEP_CHUNK || this.closed) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** How many messages of `topic` are on disk, acked ones kept for seek included (for tests and status). */
  retainedMessages(topic: string): number {
    return this.store().retainedMessages(topic);
  }

  private store(): BusStore {
    if (this.closed)
      throw new ShopstreamError('SHOP_E_BUS_CLOSED', 'the embedded bus was used after close()');
    if (!this.opened) {
      this.opened = new BusStore(this.options.directory, { synchronous: this.options.synchronous });
      this.scheduleSweep();
    }
    return this.opened;
  }

  private scheduleSweep(): void {
    this.sweepTimer = setTimeout(() => {
      this.sweep()
        .catch(() => undefined) // retention is best effort: the next sweep tries again
        .finally(() => {
          if (!this.closed) this.scheduleSweep();
        });
    }, this.options.sweepIntervalMs);
    // Retention alone must not keep a process alive.
    this.sweepTimer.unref();
  }
}

function encodeAttributes(attributes: Readonly<Record<string, string>> | undefined): string | null {
  if (!attributes) return null;
  let empty = true;
  for (const key in attributes) {
    empty = false;
    if (typeof attributes[key] !== 'string')
      throw new ShopstreamError('SHOP_E_USAGE', `message attribute ${key} must be a string`, {
        context: { key },
      });
  }
  return empty ? null : JSON.stringify(attributes);
}
