/**
 * The embedded bus's tables in its SQLite database, and the shapes of their rows.
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

/** The table layout's version, kept in SQLite's user_version, so a future layout can migrate. */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
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

/** A topic's log: `seq INTEGER PRIMARY KEY`, so rows are stored in seq order. */
export function messageTableDdl(topicId: number): string {
  return (
    `CREATE TABLE IF NOT EXISTS msg_${topicId} (` +
    'seq INTEGER PRIMARY KEY, publish_ms INTEGER NOT NULL, data BLOB NOT NULL, attributes TEXT)'
  );
}

export interface TopicRow {
  readonly id: number;
  readonly name: string;
  readonly last_seq: number;
  readonly last_publish_ms: number;
}

export interface SubscriptionRow {
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

export interface BatchRow {
  readonly id: number;
  readonly first_seq: number;
  readonly last_seq: number;
  readonly settled: Buffer | null;
}

export interface LeaseRow {
  readonly seq: number;
  readonly attempt: number;
}

export interface Count {
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
