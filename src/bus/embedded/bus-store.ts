import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { SubscriptionInfo } from '../message-bus.js';
import {
  countBits,
  pull,
  settle,
  type DeadLettered,
  type PullResult,
  type SettleOperation,
} from './bus-delivery.js';
import { appendMessages, type NewMessage } from './bus-publish.js';
import { lastSeqBefore, sweep } from './bus-retention.js';
import {
  SCHEMA,
  SCHEMA_VERSION,
  messageTableDdl,
  type BatchRow,
  type Count,
  type SubscriptionRow,
  type TopicRow,
} from './bus-schema.js';
import {
  prepareMessageStatements,
  prepareStatements,
  requireSubscription,
  requireTopic,
  type BusStatements,
  type MessageStatements,
  type StoreContext,
} from './bus-statements.js';
import { storeError } from './bus-store-errors.js';
import type { CompiledSubscriptionConfig } from './subscription-config.js';

/**
 * The embedded bus's storage: one SQLite database (`<directory>/bus.sqlite`, WAL mode) shared by every
 * process that opens the folder. The subscriber and the bus only call these methods; the SQL is in
 * bus-statements.ts, the tables in bus-schema.ts, and the work by concept in bus-publish.ts,
 * bus-delivery.ts (leases, batches, dead-lettering) and bus-retention.ts (sweep, seek). Why SQLite and
 * why it is durable: see embedded-bus.ts.
 */
export class BusStore {
  private readonly db: Database.Database;
  private readonly messageStatements = new Map<number, MessageStatements>();
  private readonly sql: BusStatements;
  private readonly context: StoreContext;

  constructor(directory: string, options: { readonly synchronous: 'normal' | 'full' }) {
    mkdirSync(directory, { recursive: true });
    try {
      // Opening may wait for another process's transaction; later, see the busy_timeout below.
      this.db = new Database(join(directory, 'bus.sqlite'), { timeout: 15_000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous.toUpperCase()}`);
      // Fewer, larger checkpoints; the WAL file is truncated back to this size after each one.
      this.db.pragma('wal_autocheckpoint = 4000');
      this.db.pragma('journal_size_limit = 67108864');
      this.db
        .transaction(() => {
          const version = this.db.pragma('user_version', { simple: true }) as number;
          if (version > SCHEMA_VERSION)
            throw new ShopstreamError(
              'SHOP_E_CONFIG_INVALID',
              `the embedded bus in ${directory} was written by a newer shopstream (format ${version}); use that version or another folder`,
              { context: { directory, version } },
            );
          this.db.exec(SCHEMA);
          this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
        })
        .immediate();
      this.sql = prepareStatements(this.db);
      this.context = { sql: this.sql, messagesOf: (topicId) => this.messagesOf(topicId) };
      // When another process holds the write lock, SQLite's own wait backs off to 100 ms sleeps and
      // can starve behind a busy writer, blocking our event loop meanwhile. So it waits only a few
      // ms; callers retry asynchronously with short random sleeps (see isBusy).
      this.db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
    } catch (error) {
      throw storeError(error, `cannot open the embedded bus in ${directory}`);
    }
  }

  /** Runs `work` in one write transaction, taking the lock up front (no upgrade deadlocks). */
  write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      throw storeError(error, 'embedded bus write failed');
    }
  }

  ping(): void {
    this.sql.ping.get();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ── Admin ──────────────────────────────────────────────────────────────────────────────────────

  ensureTopic(name: string): void {
    this.write(() => {
      if (this.sql.topicByName.get(name)) return;
      const floor = (this.sql.counter.get('seq_floor') as { value: number } | undefined)?.value ?? 0;
      const { lastInsertRowid } = this.sql.insertTopic.run(name, floor);
      this.db.exec(messageTableDdl(Number(lastInsertRowid)));
    });
  }

  deleteTopic(name: string): void {
    this.write(() => {
      const topic = this.sql.topicByName.get(name) as TopicRow | undefined;
      if (!topic) return;
      // Subscriptions stay, detached (as in Pub/Sub); their leases point at messages that are gone.
      this.sql.detachSubscriptions.run(topic.id);
      this.sql.deleteTopic.run(topic.id);
      // Ids are sequence numbers: a topic created later with this name continues after them.
      this.sql.raiseCounter.run(topic.last_seq, 'seq_floor', topic.last_seq);
      this.messageStatements.delete(topic.id);
      this.db.exec(`DROP TABLE IF EXISTS msg_${topic.id}`);
    });
  }

  ensureSubscription(config: CompiledSubscriptionConfig): void {
    this.write(() => {
      const topic = requireTopic(this.sql, config.topic);
      if (config.deadLetterTopic !== null) requireTopic(this.sql, config.deadLetterTopic);
      const existing = this.sql.subscriptionByName.get(config.name) as SubscriptionRow | undefined;
      if (existing && existing.topic_id !== topic.id)
        throw new ShopstreamError(
          'SHOP_E_CONFIG_INVALID',
          `subscription ${config.name} already exists on topic ${existing.topic_name}; delete it before attaching it to ${config.topic}`,
          { context: { subscription: config.name, topic: existing.topic_name } },
        );
      const settings = [
        config.ackDeadlineMs,
        config.retentionMs,
        config.deadLetterTopic,
        config.maxDeliveryAttempts,
        config.minBackoffMs,
        config.maxBackoffMs,
      ];
      if (existing) this.sql.updateSubscription.run(...settings, existing.id);
      // A new subscription starts at the end of the log: it gets only what is published from now on.
      else this.sql.insertSubscription.run(config.name, topic.id, topic.name, ...settings, topic.last_seq);
    });
  }

  deleteSubscription(name: string): void {
    this.write(() => {
      const sub = this.sql.subscriptionByName.get(name) as SubscriptionRow | undefined;
      if (!sub) return;
      this.sql.deleteLeases.run(sub.id);
      this.sql.deleteBatches.run(sub.id);
      this.sql.deleteSubscription.run(sub.id);
    });
  }

  describeSubscription(name: string): SubscriptionInfo {
    return this.read(() => {
      const sub = requireSubscription(this.sql, name);
      const topic =
        sub.topic_id === null ? undefined : (this.sql.topicById.get(sub.topic_id) as TopicRow | undefined);
      let backlog = (topic ? topic.last_seq - sub.cursor : 0) + (this.sql.countLeases.get(sub.id) as Count).n;
      for (const batch of this.sql.batchesOf.all(sub.id) as BatchRow[])
        backlog += batch.last_seq - batch.first_seq + 1 - countBits(batch.settled);
      return {
        name: sub.name,
        topic: sub.topic_name,
        ackDeadlineSeconds: sub.ack_deadline_ms / 1000,
        ...(sub.dead_letter_topic !== null && sub.max_delivery_attempts !== null
          ? { deadLetter: { topic: sub.dead_letter_topic, maxDeliveryAttempts: sub.max_delivery_attempts } }
          : {}),
        backlog,
      };
    });
  }

  /** Moves the cursor to just before the first message published at or after `timeMs`. */
  seek(name: string, timeMs: number): void {
    this.write(() => {
      const sub = requireSubscription(this.sql, name);
      this.sql.deleteLeases.run(sub.id);
      this.sql.deleteBatches.run(sub.id);
      if (sub.topic_id === null) return;
      const topic = this.sql.topicById.get(sub.topic_id) as TopicRow;
      this.sql.setCursor.run(lastSeqBefore(this.context, topic, timeMs), sub.id);
    });
  }

  // ── Publish ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Appends messages to a topic in one transaction; returns the topic id and the first sequence
   * number (the rest follow).
   */
  publish(
    topicName: string,
    messages: readonly NewMessage[],
    nowMs: number,
  ): { topicId: number; firstSeq: number; publishMs: number } {
    return this.write(() => appendMessages(this.context, topicName, messages, nowMs));
  }

  // ── Deliver and settle ─────────────────────────────────────────────────────────────────────────

  /** Cheap check, without the write lock, whether a pull would find something. */
  hasWork(name: string, nowMs: number): boolean | 'missing' {
    return this.read(() => {
      const row = this.sql.workCheck.get(name) as
        { id: number; cursor: number; last_seq: number | null } | undefined;
      if (!row) return 'missing';
      if (row.last_seq !== null && row.last_seq > row.cursor) return true;
      return (
        this.sql.expiredLease.get(row.id, nowMs) !== undefined ||
        this.sql.expiredBatch.get(row.id, nowMs) !== undefined
      );
    });
  }

  /** See bus-delivery.ts {@link pull}. Must run inside {@link write}. */
  pull(
    name: string,
    limits: { readonly maxMessages: number; readonly maxBytes: number; readonly oversize: boolean },
    nowMs: number,
  ): PullResult | 'missing' {
    return pull(this.context, name, limits, nowMs);
  }

  /** See bus-delivery.ts {@link settle}. Must run inside {@link write}. */
  settle(
    name: string,
    operations: readonly SettleOperation[],
    nowMs: number,
    result: { deadLettered: DeadLettered[] },
  ): void {
    settle(this.context, name, operations, nowMs, result);
  }

  // ── Retention ──────────────────────────────────────────────────────────────────────────────────

  /** See bus-retention.ts {@link sweep}; one write transaction. */
  sweep(
    nowMs: number,
    retainAcked: { readonly ms: number; readonly messages: number },
    maxRows: number,
  ): number {
    return this.write(() => sweep(this.context, nowMs, retainAcked, maxRows));
  }

  /** How many messages of a topic are stored (acked ones kept for seek included). */
  retainedMessages(topicName: string): number {
    return this.read(() => {
      const topic = requireTopic(this.sql, topicName);
      const oldest = (this.messagesOf(topic.id).oldest.get() as { seq: number | null }).seq;
      return oldest === null ? 0 : topic.last_seq - oldest + 1;
    });
  }

  // ── Internals ──────────────────────────────────────────────────────────────────────────────────

  private read<T>(work: () => T): T {
    try {
      return this.db.transaction(work).deferred();
    } catch (error) {
      throw storeError(error, 'embedded bus read failed');
    }
  }

  private messagesOf(topicId: number): MessageStatements {
    let statements = this.messageStatements.get(topicId);
    if (!statements) {
      statements = prepareMessageStatements(this.db, topicId);
      this.messageStatements.set(topicId, statements);
    }
    return statements;
  }
}

/** How long a statement waits, blocking, for another process's write lock before SQLITE_BUSY. */
const LOCK_WAIT_MS = 3;
