import type Database from 'better-sqlite3';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { SubscriptionRow, TopicRow } from './bus-schema.js';

/**
 * The SQL the embedded bus runs, prepared once per database (and once per topic for its log table),
 * and the lookups every part of the store shares. The parts (publish, delivery, retention) get a
 * {@link StoreContext}; they run inside the store's transactions.
 */
export function prepareStatements(db: Database.Database) {
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

export type BusStatements = ReturnType<typeof prepareStatements>;

/** Rows per multi-row INSERT when publishing. */
export const INSERT_ROWS = 64;

/** The statements on one topic's log table, `msg_<topicId>`. */
export interface MessageStatements {
  readonly insert: Database.Statement;
  readonly insertMany: Database.Statement;
  readonly headsAfter: Database.Statement;
  readonly payloadsBetween: Database.Statement;
  readonly bySeq: Database.Statement;
  readonly publishMsOf: Database.Statement;
  readonly oldest: Database.Statement;
  readonly deleteUpTo: Database.Statement;
}

export function prepareMessageStatements(db: Database.Database, topicId: number): MessageStatements {
  const table = `msg_${topicId}`;
  return {
    insert: db.prepare(`INSERT INTO ${table} (seq, publish_ms, data, attributes) VALUES (?, ?, ?, ?)`),
    insertMany: db.prepare(
      `INSERT INTO ${table} (seq, publish_ms, data, attributes) VALUES ${Array(INSERT_ROWS).fill('(?, ?, ?, ?)').join(', ')}`,
    ),
    // A pull reads the new messages' heads, then their payloads as one BLOB (see withPayloads in
    // bus-delivery.ts). group_concat is byte-exact on BLOBs in a UTF-8 database (each value's text is
    // its bytes, lengths are kept, NUL bytes included), and the CAST hands them back as a BLOB.
    headsAfter: db
      .prepare(
        `SELECT seq, publish_ms, octet_length(data), attributes FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?`,
      )
      .raw(),
    payloadsBetween: db
      .prepare(
        `SELECT CAST(group_concat(data, x'' ORDER BY seq) AS BLOB) FROM ${table} WHERE seq BETWEEN ? AND ?`,
      )
      .pluck(),
    bySeq: db.prepare(`SELECT publish_ms, data, attributes FROM ${table} WHERE seq = ?`),
    publishMsOf: db.prepare(`SELECT publish_ms FROM ${table} WHERE seq = ?`),
    oldest: db.prepare(`SELECT min(seq) AS seq FROM ${table}`),
    deleteUpTo: db.prepare(`DELETE FROM ${table} WHERE seq <= ?`),
  };
}

/** What the parts of the store work on: the prepared statements, and each topic's log statements. */
export interface StoreContext {
  readonly sql: BusStatements;
  messagesOf(topicId: number): MessageStatements;
}

export function requireTopic(sql: BusStatements, name: string): TopicRow {
  return (sql.topicByName.get(name) as TopicRow | undefined) ?? notFound('topic', name);
}

export function requireSubscription(sql: BusStatements, name: string): SubscriptionRow {
  return (sql.subscriptionByName.get(name) as SubscriptionRow | undefined) ?? notFound('subscription', name);
}

function notFound(kind: 'topic' | 'subscription', name: string): never {
  throw new ShopstreamError(
    'SHOP_E_BUS_NOT_FOUND',
    `${kind} ${name} does not exist (run \`shopstream setup\`)`,
    {
      context: { [kind]: name },
    },
  );
}
