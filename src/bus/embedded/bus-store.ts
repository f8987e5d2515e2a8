import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { SubscriptionConfig, SubscriptionInfo } from '../message-bus.js';

/**
 * The embedded bus's storage: one SQLite database (`<directory>/bus.sqlite`, WAL mode) shared by every
 * process that opens the folder. All SQL of the embedded bus lives here; the subscriber and the bus
 * only call these methods. Why SQLite and why it is durable: see embedded-bus.ts.
 *
 * Layout:
 * - `topics`: one row per topic with the last sequence number handed out (`last_seq`) and the last
 *   publish time, kept monotonic so publish time grows with the sequence (seek binary-searches it).
 * - `msg_<topicId>`: the topic's log, `seq INTEGER PRIMARY KEY` (so rows are stored in seq order).
 * - `subscriptions`: settings and a `cursor`: every message with `seq <= cursor` has been handed out.
 * - `batches`: one row per delivered run of new messages (`first_seq..last_seq`, leased until
 *   `lease_until`), with a bitmap of members already settled. This keeps the hot path to one row per
 *   pull instead of one per message.
 * - `leases`: one row per message leased on its own: nacked, deadline-modified, or from an expired
 *   batch. `attempt` counts deliveries so far; `delivery` identifies the pull that leased it, so a
 *   late ack from a consumer that lost its lease cannot touch another consumer's lease.
 *
 * A message of a subscription is acked exactly when `seq <= cursor` and it is in no lease row and
 * in no batch as an unsettled member.
 */
export class BusStore {
  private readonly db: Database.Database;
  private readonly messageStatements = new Map<number, MessageStatements>();
  private readonly sql: ReturnType<typeof prepareStatements>;

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
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS msg_${Number(lastInsertRowid)} (` +
          'seq INTEGER PRIMARY KEY, publish_ms INTEGER NOT NULL, data BLOB NOT NULL, attributes TEXT)',
      );
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
      const topic = this.requireTopic(config.topic);
      if (config.deadLetterTopic !== null) this.requireTopic(config.deadLetterTopic);
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
      const sub = this.requireSubscription(name);
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
      const sub = this.requireSubscription(name);
      this.sql.deleteLeases.run(sub.id);
      this.sql.deleteBatches.run(sub.id);
      if (sub.topic_id === null) return;
      const topic = this.sql.topicById.get(sub.topic_id) as TopicRow;
      this.sql.setCursor.run(this.lastSeqBefore(topic, timeMs), sub.id);
    });
  }

  // ── Publish ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Appends messages to a topic in one transaction; returns the topic id and the first sequence
   * number (the rest follow). The caller must run it inside {@link write}.
   */
  append(
    topicName: string,
    messages: readonly { readonly data: Uint8Array; readonly attributes: string | null }[],
    nowMs: number,
  ): { topicId: number; firstSeq: number; publishMs: number } {
    const topic = this.requireTopic(topicName);
    // Publish time never goes backwards within a topic, even if the clock does.
    const publishMs = Math.max(nowMs, topic.last_publish_ms);
    const statements = this.messagesOf(topic.id);
    let seq = topic.last_seq;
    let i = 0;
    // Many rows per INSERT: the per-statement overhead is most of the cost of a 400-byte row.
    const args: unknown[] = new Array(INSERT_ROWS * 4);
    for (; i + INSERT_ROWS <= messages.length; i += INSERT_ROWS) {
      for (let j = 0; j < INSERT_ROWS; j++) {
        const message = messages[i + j]!;
        args[4 * j] = ++seq;
        args[4 * j + 1] = publishMs;
        args[4 * j + 2] = message.data;
        args[4 * j + 3] = message.attributes;
      }
      statements.insertMany.run(args);
    }
    for (; i < messages.length; i++)
      statements.insert.run(++seq, publishMs, messages[i]!.data, messages[i]!.attributes);
    this.sql.advanceTopic.run(seq, publishMs, topic.id);
    return { topicId: topic.id, firstSeq: topic.last_seq + 1, publishMs };
  }

  /** Appends messages to a topic in one transaction (see {@link append}). */
  publish(
    topicName: string,
    messages: readonly { readonly data: Uint8Array; readonly attributes: string | null }[],
    nowMs: number,
  ): { topicId: number; firstSeq: number; publishMs: number } {
    return this.write(() => this.append(topicName, messages, nowMs));
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

  /**
   * Leases up to `maxMessages` / `maxBytes` of a subscription (with `oversize`, one message even if it
   * is larger than `maxBytes`, so a consumer holding nothing is never stuck): first messages whose
   * lease ran out or that were nacked, then new ones. Messages past their subscription's
   * maxDeliveryAttempts are forwarded to the dead-letter topic instead. Must run inside {@link write}.
   */
  pull(
    name: string,
    limits: { readonly maxMessages: number; readonly maxBytes: number; readonly oversize: boolean },
    nowMs: number,
  ): PullResult | 'missing' {
    const { maxMessages, maxBytes } = limits;
    const sub = this.sql.subscriptionByName.get(name) as SubscriptionRow | undefined;
    if (!sub) return 'missing';
    const result: PullResult = {
      subscription: subscriptionSettings(sub),
      deliveryId: 0,
      leaseUntilMs: nowMs + sub.ack_deadline_ms,
      redelivered: [],
      batch: null,
      deadLettered: [],
    };
    if (sub.topic_id === null) {
      // Its topic was deleted: nothing left to deliver, and its leases point at nothing.
      this.sql.deleteLeases.run(sub.id);
      this.sql.deleteBatches.run(sub.id);
      return result;
    }
    const messages = this.messagesOf(sub.topic_id);
    this.expireBatches(sub, nowMs);
    if (this.sql.expiredLease.get(sub.id, nowMs) === undefined && sub.cursor >= this.lastSeq(sub.topic_id))
      return result;

    result.deliveryId = (this.sql.nextCounter.get('delivery') as { value: number }).value;
    let bytes = 0;
    let count = 0;
    const fits = (size: number) =>
      count < maxMessages && (bytes + size <= maxBytes || (count === 0 && limits.oversize));

    for (const lease of this.sql.expiredLeases.all(sub.id, nowMs, maxMessages) as LeaseRow[]) {
      const row = messages.bySeq.get(lease.seq) as MessageRow | undefined;
      if (!row) {
        this.sql.deleteLease.run(sub.id, lease.seq); // dropped by retention or topic deletion
        continue;
      }
      if (sub.max_delivery_attempts !== null && lease.attempt >= sub.max_delivery_attempts) {
        if (this.deadLetter(sub, row, lease.seq, lease.attempt, nowMs, result)) {
          this.sql.deleteLease.run(sub.id, lease.seq);
          continue;
        }
      }
      if (!fits(row.data.length)) break;
      count += 1;
      bytes += row.data.length;
      this.sql.renewLease.run(result.leaseUntilMs, result.deliveryId, sub.id, lease.seq);
      result.redelivered.push({ ...row, seq: lease.seq, attempt: lease.attempt + 1 });
    }

    if (count < maxMessages) {
      const limit = Math.min(maxMessages - count, MAX_BATCH);
      const rows = messages.after.all(sub.cursor, limit) as RawMessageRow[];
      let taken = 0;
      while (taken < rows.length && fits(rows[taken]![2].length)) {
        count += 1;
        bytes += rows[taken]![2].length;
        taken += 1;
      }
      if (taken > 0) {
        const first = rows[0]![0];
        const last = rows[taken - 1]![0];
        this.sql.insertBatch.run(result.deliveryId, sub.id, first, last, result.leaseUntilMs);
        this.sql.setCursor.run(last, sub.id);
        result.batch = { firstSeq: first, rows: taken === rows.length ? rows : rows.slice(0, taken) };
      }
    }
    return result;
  }

  /**
   * Applies a consumer's settlements (acks, nacks, deadline changes, batch bitmaps) in the order
   * given. Operations on leases another consumer has taken since are ignored. Must run inside
   * {@link write}.
   */
  settle(
    name: string,
    operations: readonly SettleOperation[],
    nowMs: number,
    result: { deadLettered: DeadLettered[] },
  ): void {
    const sub = this.sql.subscriptionByName.get(name) as SubscriptionRow | undefined;
    if (!sub) return;
    for (const op of operations) {
      switch (op.kind) {
        case 'ack':
          this.sql.ackLease.run(sub.id, op.seq, op.delivery);
          break;
        case 'lease': {
          // A batch member leaving its batch (nack / deadline change) becomes a lease of its own,
          // unless its batch expired meanwhile (then it already is one, or another consumer has it).
          if (op.fromBatch && this.sql.batchExists.get(op.delivery) !== undefined)
            this.sql.insertLease.run(sub.id, op.seq, op.attempt, nowMs, op.delivery);
          if (op.nack && sub.max_delivery_attempts !== null && op.attempt >= sub.max_delivery_attempts) {
            const row =
              sub.topic_id === null
                ? undefined
                : (this.messagesOf(sub.topic_id).bySeq.get(op.seq) as MessageRow | undefined);
            const lease = this.sql.leaseOf.get(sub.id, op.seq, op.delivery);
            if (row && lease && this.deadLetter(sub, row, op.seq, op.attempt, nowMs, result)) {
              this.sql.deleteLease.run(sub.id, op.seq);
              break;
            }
          }
          const delayMs = op.nack ? backoffMs(sub, op.attempt) : op.deadlineMs;
          this.sql.moveLease.run(nowMs + delayMs, sub.id, op.seq, op.delivery);
          break;
        }
        case 'batch':
          if (op.complete) this.sql.deleteBatch.run(op.delivery);
          else this.sql.updateBatch.run(op.settled, op.delivery);
          break;
      }
    }
  }

  // ── Retention ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Deletes, per topic, the oldest messages no subscription needs: acked by every subscription and
   * either older than the acked-retention (`ackedMs`, capped by the subscription's retention) or
   * not among the newest `ackedMessages` of the topic; or older than the subscription's retention
   * at all (then they count as acked, as in Pub/Sub). Deletes at most `maxRows` per call; returns
   * how many it deleted.
   */
  sweep(
    nowMs: number,
    retainAcked: { readonly ms: number; readonly messages: number },
    maxRows: number,
  ): number {
    return this.write(() => {
      let deleted = 0;
      for (const topic of this.sql.topics.all() as TopicRow[]) {
        if (deleted >= maxRows) break;
        const messages = this.messagesOf(topic.id);
        const oldest = (messages.oldest.get() as { seq: number | null }).seq;
        if (oldest === null) continue;
        const subs = this.sql.subscriptionsOf.all(topic.id) as SubscriptionRow[];
        let bound = topic.last_seq;
        for (const sub of subs) {
          const unsettled = this.sql.firstUnsettled.get(sub.id, sub.id) as {
            lease: number | null;
            batch: number | null;
          };
          const firstNeeded = Math.min(
            sub.cursor + 1,
            unsettled.lease ?? Infinity,
            unsettled.batch ?? Infinity,
          );
          const ackedKept = Math.min(
            firstNeeded - 1,
            Math.max(
              this.lastSeqBefore(topic, nowMs - Math.min(sub.retention_ms, retainAcked.ms)),
              topic.last_seq - retainAcked.messages,
            ),
          );
          bound = Math.min(bound, Math.max(ackedKept, this.lastSeqBefore(topic, nowMs - sub.retention_ms)));
        }
        const upTo = Math.min(bound, oldest + (maxRows - deleted) - 1);
        if (upTo < oldest) continue;
        deleted += messages.deleteUpTo.run(upTo).changes;
        for (const sub of subs) {
          // Unacked messages past retention are dropped: the subscription moves past them.
          if (sub.cursor < upTo) this.sql.setCursor.run(upTo, sub.id);
          this.sql.deleteLeasesUpTo.run(sub.id, upTo);
        }
      }
      return deleted;
    });
  }

  /** How many messages of a topic are stored (acked ones kept for seek included). */
  retainedMessages(topicName: string): number {
    return this.read(() => {
      const topic = this.requireTopic(topicName);
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

  private requireTopic(name: string): TopicRow {
    const topic = this.sql.topicByName.get(name) as TopicRow | undefined;
    if (!topic)
      throw new ShopstreamError(
        'SHOP_E_BUS_NOT_FOUND',
        `topic ${name} does not exist (run \`shopstream setup\`)`,
        {
          context: { topic: name },
        },
      );
    return topic;
  }

  private requireSubscription(name: string): SubscriptionRow {
    const sub = this.sql.subscriptionByName.get(name) as SubscriptionRow | undefined;
    if (!sub)
      throw new ShopstreamError(
        'SHOP_E_BUS_NOT_FOUND',
        `subscription ${name} does not exist (run \`shopstream setup\`)`,
        { context: { subscription: name } },
      );
    return sub;
  }

  private lastSeq(topicId: number): number {
    return (this.sql.topicById.get(topicId) as TopicRow).last_seq;
  }

  /** The highest retained seq published before `timeMs` (or just below the oldest retained one). */
  private lastSeqBefore(topic: TopicRow, timeMs: number): number {
    const messages = this.messagesOf(topic.id);
    const oldest = (messages.oldest.get() as { seq: number | null }).seq;
    if (oldest === null || timeMs > topic.last_publish_ms) return topic.last_seq;
    // Publish times grow with seq, and retained seqs are contiguous: binary search.
    let low = oldest; // first candidate at or after timeMs
    let high = topic.last_seq + 1;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const at =
        (messages.publishMsOf.get(mid) as { publish_ms: number } | undefined)?.publish_ms ?? Infinity;
      if (at < timeMs) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }

  /** Turns batches whose lease ran out into single leases, so their unsettled members are redelivered. */
  private expireBatches(sub: SubscriptionRow, nowMs: number): void {
    for (const batch of this.sql.expiredBatches.all(sub.id, nowMs) as BatchRow[]) {
      for (let seq = batch.first_seq; seq <= batch.last_seq; seq++)
        if (!hasBit(batch.settled, seq - batch.first_seq))
          this.sql.insertLease.run(sub.id, seq, 1, nowMs, batch.id);
      this.sql.deleteBatch.run(batch.id);
    }
  }

  /** Forwards a message to the subscription's dead-letter topic; false when that topic is gone. */
  private deadLetter(
    sub: SubscriptionRow,
    row: MessageRow,
    seq: number,
    attempts: number,
    nowMs: number,
    result: { deadLettered: DeadLettered[] },
  ): boolean {
    const target = sub.dead_letter_topic;
    if (target === null || !this.sql.topicByName.get(target)) return false;
    // The attributes Pub/Sub adds to a dead-lettered message, so tools read both the same way.
    const attributes = {
      ...(row.attributes === null ? {} : (JSON.parse(row.attributes) as Record<string, string>)),
      CloudPubSubDeadLetterSourceDeliveryCount: String(attempts),
      CloudPubSubDeadLetterSourceSubscription: sub.name,
      CloudPubSubDeadLetterSourceTopicPublishTime: new Date(row.publish_ms).toISOString(),
      CloudPubSubDeadLetterSourceMessageId: String(seq),
    };
    const { topicId } = this.append(
      target,
      [{ data: row.data, attributes: JSON.stringify(attributes) }],
      nowMs,
    );
    result.deadLettered.push({ topicId, seq, subscription: sub.name });
    return true;
  }

  private messagesOf(topicId: number): MessageStatements {
    let statements = this.messageStatements.get(topicId);
    if (!statements) {
      const table = `msg_${topicId}`;
      statements = {
        insert: this.db.prepare(
          `INSERT INTO ${table} (seq, publish_ms, data, attributes) VALUES (?, ?, ?, ?)`,
        ),
        insertMany: this.db.prepare(
          `INSERT INTO ${table} (seq, publish_ms, data, attributes) VALUES ${Array(INSERT_ROWS).fill('(?, ?, ?, ?)').join(', ')}`,
        ),
        after: this.db
          .prepare(
            `SELECT seq, publish_ms, data, attributes FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?`,
          )
          .raw(),
        bySeq: this.db.prepare(`SELECT publish_ms, data, attributes FROM ${table} WHERE seq = ?`),
        publishMsOf: this.db.prepare(`SELECT publish_ms FROM ${table} WHERE seq = ?`),
        oldest: this.db.prepare(`SELECT min(seq) AS seq FROM ${table}`),
        deleteUpTo: this.db.prepare(`DELETE FROM ${table} WHERE seq <= ?`),
      };
      this.messageStatements.set(topicId, statements);
    }
    return statements;
  }
}

/** How long a statement waits, blocking, for another process's write lock before SQLITE_BUSY. */
const LOCK_WAIT_MS = 3;

/** Rows per multi-row INSERT when publishing. */
const INSERT_ROWS = 64;

/** Most new messages one pull takes: keeps each write transaction (and the lock) short. */
const MAX_BATCH = 2000;

/** The table layout's version, kept in SQLite's user_version, so a future layout can migrate. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS topics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  last_seq INTEGER NOT NULL,
  last_publish_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS subscriptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  topic_id INTEGER,
  topic_name TEXT NOT NULL,
  ack_deadline_ms INTEGER NOT NULL,
  retention_ms INTEGER NOT NULL,
  dead_letter_topic TEXT,
  max_delivery_attempts INTEGER,
  min_backoff_ms INTEGER NOT NULL,
  max_backoff_ms INTEGER NOT NULL,
  cursor INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions (topic_id);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  sub_id INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  lease_until INTEGER NOT NULL,
  settled BLOB
);
CREATE INDEX IF NOT EXISTS batches_by_lease ON batches (sub_id, lease_until);
CREATE TABLE IF NOT EXISTS leases (
  sub_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  lease_until INTEGER NOT NULL,
  delivery INTEGER NOT NULL,
  PRIMARY KEY (sub_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS leases_by_lease ON leases (sub_id, lease_until);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO counters VALUES ('delivery', 0), ('seq_floor', 0);
`;

function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1'),
    counter: db.prepare('SELECT value FROM counters WHERE name = ?'),
    nextCounter: db.prepare('UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value'),
    raiseCounter: db.prepare('UPDATE counters SET value = ? WHERE name = ? AND value < ?'),
    topics: db.prepare('SELECT * FROM topics'),
    topicByName: db.prepare('SELECT * FROM topics WHERE name = ?'),
    topicById: db.prepare('SELECT * FROM topics WHERE id = ?'),
    insertTopic: db.prepare('INSERT INTO topics (name, last_seq) VALUES (?, ?)'),
    deleteTopic: db.prepare('DELETE FROM topics WHERE id = ?'),
    advanceTopic: db.prepare('UPDATE topics SET last_seq = ?, last_publish_ms = ? WHERE id = ?'),
    subscriptionByName: db.prepare('SELECT * FROM subscriptions WHERE name = ?'),
    subscriptionsOf: db.prepare('SELECT * FROM subscriptions WHERE topic_id = ?'),
    insertSubscription: db.prepare(
      'INSERT INTO subscriptions (name, topic_id, topic_name, ack_deadline_ms, retention_ms, dead_letter_topic,' +
        ' max_delivery_attempts, min_backoff_ms, max_backoff_ms, cursor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    updateSubscription: db.prepare(
      'UPDATE subscriptions SET ack_deadline_ms = ?, retention_ms = ?, dead_letter_topic = ?,' +
        ' max_delivery_attempts = ?, min_backoff_ms = ?, max_backoff_ms = ? WHERE id = ?',
    ),
    deleteSubscription: db.prepare('DELETE FROM subscriptions WHERE id = ?'),
    detachSubscriptions: db.prepare('UPDATE subscriptions SET topic_id = NULL WHERE topic_id = ?'),
    setCursor: db.prepare('UPDATE subscriptions SET cursor = ? WHERE id = ?'),
    workCheck: db.prepare(
      'SELECT s.id, s.cursor, t.last_seq FROM subscriptions s LEFT JOIN topics t ON t.id = s.topic_id WHERE s.name = ?',
    ),
    firstUnsettled: db.prepare(
      'SELECT (SELECT min(seq) FROM leases WHERE sub_id = ?) AS lease, (SELECT min(first_seq) FROM batches WHERE sub_id = ?) AS batch',
    ),
    expiredLease: db.prepare('SELECT 1 FROM leases WHERE sub_id = ? AND lease_until <= ? LIMIT 1'),
    expiredLeases: db.prepare(
      'SELECT seq, attempt FROM leases WHERE sub_id = ? AND lease_until <= ? ORDER BY lease_until, seq LIMIT ?',
    ),
    leaseOf: db.prepare('SELECT 1 FROM leases WHERE sub_id = ? AND seq = ? AND delivery = ?'),
    insertLease: db.prepare(
      'INSERT OR IGNORE INTO leases (sub_id, seq, attempt, lease_until, delivery) VALUES (?, ?, ?, ?, ?)',
    ),
    renewLease: db.prepare(
      'UPDATE leases SET attempt = attempt + 1, lease_until = ?, delivery = ? WHERE sub_id = ? AND seq = ?',
    ),
    moveLease: db.prepare('UPDATE leases SET lease_until = ? WHERE sub_id = ? AND seq = ? AND delivery = ?'),
    ackLease: db.prepare('DELETE FROM leases WHERE sub_id = ? AND seq = ? AND delivery = ?'),
    deleteLease: db.prepare('DELETE FROM leases WHERE sub_id = ? AND seq = ?'),
    deleteLeases: db.prepare('DELETE FROM leases WHERE sub_id = ?'),
    deleteLeasesUpTo: db.prepare('DELETE FROM leases WHERE sub_id = ? AND seq <= ?'),
    countLeases: db.prepare('SELECT count(*) AS n FROM leases WHERE sub_id = ?'),
    expiredBatch: db.prepare('SELECT 1 FROM batches WHERE sub_id = ? AND lease_until <= ? LIMIT 1'),
    expiredBatches: db.prepare('SELECT * FROM batches WHERE sub_id = ? AND lease_until <= ?'),
    batchesOf: db.prepare('SELECT * FROM batches WHERE sub_id = ?'),
    batchExists: db.prepare('SELECT 1 FROM batches WHERE id = ?'),
    insertBatch: db.prepare(
      'INSERT INTO batches (id, sub_id, first_seq, last_seq, lease_until, settled) VALUES (?, ?, ?, ?, ?, NULL)',
    ),
    updateBatch: db.prepare('UPDATE batches SET settled = ? WHERE id = ?'),
    deleteBatch: db.prepare('DELETE FROM batches WHERE id = ?'),
    deleteBatches: db.prepare('DELETE FROM batches WHERE sub_id = ?'),
  };
}

interface MessageStatements {
  readonly insert: Database.Statement;
  readonly insertMany: Database.Statement;
  readonly after: Database.Statement;
  readonly bySeq: Database.Statement;
  readonly publishMsOf: Database.Statement;
  readonly oldest: Database.Statement;
  readonly deleteUpTo: Database.Statement;
}

interface TopicRow {
  readonly id: number;
  readonly name: string;
  readonly last_seq: number;
  readonly last_publish_ms: number;
}

interface SubscriptionRow {
  readonly id: number;
  readonly name: string;
  readonly topic_id: number | null;
  readonly topic_name: string;
  readonly ack_deadline_ms: number;
  readonly retention_ms: number;
  readonly dead_letter_topic: string | null;
  readonly max_delivery_attempts: number | null;
  readonly min_backoff_ms: number;
  readonly max_backoff_ms: number;
  readonly cursor: number;
}

interface BatchRow {
  readonly id: number;
  readonly first_seq: number;
  readonly last_seq: number;
  readonly settled: Buffer | null;
}

interface LeaseRow {
  readonly seq: number;
  readonly attempt: number;
}

interface Count {
  readonly n: number;
}

/** A stored message: publish time, bytes, attributes as JSON (null when there are none). */
export interface MessageRow {
  readonly publish_ms: number;
  readonly data: Buffer;
  readonly attributes: string | null;
}

/** `[seq, publish_ms, data, attributes]`: rows of a batch, as arrays (cheaper than objects). */
export type RawMessageRow = [number, number, Buffer, string | null];

/** Subscription settings with times in ms, validated (see compileSubscriptionConfig). */
export interface CompiledSubscriptionConfig {
  readonly name: string;
  readonly topic: string;
  readonly ackDeadlineMs: number;
  readonly retentionMs: number;
  readonly deadLetterTopic: string | null;
  readonly maxDeliveryAttempts: number | null;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** What a subscriber needs to know about its subscription after a pull. */
export interface SubscriptionSettings {
  readonly ackDeadlineMs: number;
  /** null when the topic was deleted. */
  readonly topicId: number | null;
}

export interface DeadLettered {
  readonly topicId: number;
  readonly seq: number;
  readonly subscription: string;
}

/** What one pull leased. */
export interface PullResult {
  readonly subscription: SubscriptionSettings;
  /** Identifies this pull's leases; 0 when nothing was leased. */
  deliveryId: number;
  readonly leaseUntilMs: number;
  readonly redelivered: (MessageRow & { readonly seq: number; readonly attempt: number })[];
  batch: { readonly firstSeq: number; readonly rows: RawMessageRow[] } | null;
  readonly deadLettered: DeadLettered[];
}

/**
 * A consumer's settlement of delivered messages:
 * - `ack`: a message leased on its own is done;
 * - `lease`: a message is given back (nack: after the retry backoff) or its lease is moved
 *   (deadline change) — a batch member first becomes a lease of its own;
 * - `batch`: the batch's settled bitmap (complete: every member settled, the row goes).
 */
export type SettleOperation =
  | { readonly kind: 'ack'; readonly seq: number; readonly delivery: number }
  | {
      readonly kind: 'lease';
      readonly seq: number;
      readonly delivery: number;
      readonly fromBatch: boolean;
      readonly attempt: number;
      readonly nack: boolean;
      readonly deadlineMs: number;
    }
  | {
      readonly kind: 'batch';
      readonly delivery: number;
      readonly settled: Buffer;
      readonly complete: boolean;
    };

function subscriptionSettings(sub: SubscriptionRow): SubscriptionSettings {
  return { ackDeadlineMs: sub.ack_deadline_ms, topicId: sub.topic_id };
}

/** Retry backoff after a nack: exponential from the minimum, capped at the maximum. */
function backoffMs(sub: SubscriptionRow, attempt: number): number {
  if (sub.min_backoff_ms <= 0) return 0;
  return Math.min(sub.max_backoff_ms, sub.min_backoff_ms * 2 ** Math.max(0, attempt - 1));
}

function hasBit(bits: Buffer | null, index: number): boolean {
  return bits !== null && index >> 3 < bits.length && (bits[index >> 3]! & (1 << (index & 7))) !== 0;
}

function countBits(bits: Buffer | null): number {
  let n = 0;
  if (bits) for (const byte of bits) for (let b = byte; b; b &= b - 1) n++;
  return n;
}

function storeError(error: unknown, message: string): Error {
  if (error instanceof ShopstreamError) return error;
  const code = (error as { code?: unknown }).code;
  const sqliteCode = typeof code === 'string' ? code : undefined;
  return new ShopstreamError(
    'SHOP_E_BUS_UNAVAILABLE',
    sqliteCode?.startsWith('SQLITE_BUSY')
      ? `${message}: another process holds the bus's write lock`
      : `${message}: ${(error as Error).message}`,
    { retryable: true, cause: error, context: { sqliteCode } },
  );
}

/** True when `error` only says another process held the write lock: retry shortly. */
export function isBusy(error: unknown): boolean {
  return (
    error instanceof ShopstreamError &&
    typeof error.context.sqliteCode === 'string' &&
    error.context.sqliteCode.startsWith('SQLITE_BUSY')
  );
}

/**
 * Runs `work`, retrying after short random sleeps while another process holds the write lock,
 * for at most `patienceMs`; then the SHOP_E_BUS_UNAVAILABLE error is thrown.
 */
export async function retryWhileBusy<T>(work: () => T, patienceMs = 15_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4));
    }
  }
}

/** Validates the port's subscription settings and applies the defaults. */
export function compileSubscriptionConfig(config: SubscriptionConfig): CompiledSubscriptionConfig {
  const seconds = (value: number | undefined, fallback: number, what: string, min: number) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < min)
      throw new ShopstreamError(
        'SHOP_E_CONFIG_INVALID',
        `subscription ${config.name}: ${what} must be at least ${min} s`,
        {
          context: { subscription: config.name, [what]: value },
        },
      );
    return Math.round(v * 1000);
  };
  const dl = config.deadLetter;
  if (dl && (!Number.isInteger(dl.maxDeliveryAttempts) || dl.maxDeliveryAttempts < 1))
    throw new ShopstreamError(
      'SHOP_E_CONFIG_INVALID',
      `subscription ${config.name}: deadLetter.maxDeliveryAttempts must be a whole number ≥ 1`,
      { context: { subscription: config.name, maxDeliveryAttempts: dl.maxDeliveryAttempts } },
    );
  const minBackoffMs = seconds(
    config.retryPolicy?.minimumBackoffSeconds,
    0,
    'retryPolicy.minimumBackoffSeconds',
    0,
  );
  return Object.freeze({
    name: config.name,
    topic: config.topic,
    ackDeadlineMs: seconds(config.ackDeadlineSeconds, 60, 'ackDeadlineSeconds', 0.1),
    retentionMs: seconds(config.messageRetentionSeconds, 7 * 86_400, 'messageRetentionSeconds', 1),
    deadLetterTopic: dl?.topic ?? null,
    maxDeliveryAttempts: dl?.maxDeliveryAttempts ?? null,
    minBackoffMs,
    maxBackoffMs: Math.max(
      minBackoffMs,
      seconds(config.retryPolicy?.maximumBackoffSeconds, 600, 'retryPolicy.maximumBackoffSeconds', 0),
    ),
  });
}
