import type {
  BatchRow,
  LeaseRow,
  MessageRow,
  RawMessageRow,
  SubscriptionRow,
  TopicRow,
} from './bus-schema.js';
import { appendMessages } from './bus-publish.js';
import type { StoreContext } from './bus-statements.js';

/**
 * Delivery: leasing messages to a consumer (new ones in batches, redeliveries as single leases),
 * settling what it acked, nacked or extended, and forwarding messages past their delivery attempts
 * to the dead-letter topic. Each function runs inside the store's write transaction.
 */

/** Most new messages one pull takes: keeps each write transaction (and the lock) short. */
const MAX_BATCH = 2000;

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

/**
 * Leases up to `maxMessages` / `maxBytes` of a subscription (with `oversize`, one message even if it
 * is larger than `maxBytes`, so a consumer holding nothing is never stuck): first messages whose
 * lease ran out or that were nacked, then new ones. Messages past their subscription's
 * maxDeliveryAttempts are forwarded to the dead-letter topic instead. Runs inside the write
 * transaction.
 */
export function pull(
  ctx: StoreContext,
  name: string,
  limits: { readonly maxMessages: number; readonly maxBytes: number; readonly oversize: boolean },
  nowMs: number,
): PullResult | 'missing' {
  const { maxMessages, maxBytes } = limits;
  const sub = ctx.sql.subscriptionByName.get(name) as SubscriptionRow | undefined;
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
    ctx.sql.deleteLeases.run(sub.id);
    ctx.sql.deleteBatches.run(sub.id);
    return result;
  }
  const messages = ctx.messagesOf(sub.topic_id);
  expireBatches(ctx, sub, nowMs);
  if (ctx.sql.expiredLease.get(sub.id, nowMs) === undefined && sub.cursor >= lastSeq(ctx, sub.topic_id))
    return result;

  result.deliveryId = (ctx.sql.nextCounter.get('delivery') as { value: number }).value;
  let bytes = 0;
  let count = 0;
  const fits = (size: number) =>
    count < maxMessages && (bytes + size <= maxBytes || (count === 0 && limits.oversize));

  for (const lease of ctx.sql.expiredLeases.all(sub.id, nowMs, maxMessages) as LeaseRow[]) {
    const row = messages.bySeq.get(lease.seq) as MessageRow | undefined;
    if (!row) {
      ctx.sql.deleteLease.run(sub.id, lease.seq); // dropped by retention or topic deletion
      continue;
    }
    if (sub.max_delivery_attempts !== null && lease.attempt >= sub.max_delivery_attempts) {
      if (deadLetter(ctx, sub, row, lease.seq, lease.attempt, nowMs, result)) {
        ctx.sql.deleteLease.run(sub.id, lease.seq);
        continue;
      }
    }
    if (!fits(row.data.length)) break;
    count += 1;
    bytes += row.data.length;
    ctx.sql.renewLease.run(result.leaseUntilMs, result.deliveryId, sub.id, lease.seq);
    result.redelivered.push({ ...row, seq: lease.seq, attempt: lease.attempt + 1 });
  }

  if (count < maxMessages) {
    const limit = Math.min(maxMessages - count, MAX_BATCH);
    const heads = messages.headsAfter.all(sub.cursor, limit) as MessageHead[];
    let taken = 0;
    while (taken < heads.length && fits(heads[taken]![2])) {
      count += 1;
      bytes += heads[taken]![2];
      taken += 1;
    }
    if (taken > 0) {
      const first = heads[0]![0];
      const last = heads[taken - 1]![0];
      ctx.sql.insertBatch.run(result.deliveryId, sub.id, first, last, result.leaseUntilMs);
      ctx.sql.setCursor.run(last, sub.id);
      result.batch = {
        firstSeq: first,
        rows: withPayloads(heads, taken, messages.payloadsBetween.get(first, last) as Buffer),
      };
    }
  }
  return result;
}

/**
 * Applies a consumer's settlements (acks, nacks, deadline changes, batch bitmaps) in the order
 * given. Operations on leases another consumer has taken since are ignored. Runs inside the write
 * transaction.
 */
export function settle(
  ctx: StoreContext,
  name: string,
  operations: readonly SettleOperation[],
  nowMs: number,
  result: { deadLettered: DeadLettered[] },
): void {
  const sub = ctx.sql.subscriptionByName.get(name) as SubscriptionRow | undefined;
  if (!sub) return;
  for (const op of operations) {
    switch (op.kind) {
      case 'ack':
        ctx.sql.ackLease.run(sub.id, op.seq, op.delivery);
        break;
      case 'lease': {
        // A batch member leaving its batch (nack / deadline change) becomes a lease of its own,
        // unless its batch expired meanwhile (then it already is one, or another consumer has it).
        if (op.fromBatch && ctx.sql.batchExists.get(op.delivery) !== undefined)
          ctx.sql.insertLease.run(sub.id, op.seq, op.attempt, nowMs, op.delivery);
        if (op.nack && sub.max_delivery_attempts !== null && op.attempt >= sub.max_delivery_attempts) {
          const row =
            sub.topic_id === null
              ? undefined
              : (ctx.messagesOf(sub.topic_id).bySeq.get(op.seq) as MessageRow | undefined);
          const lease = ctx.sql.leaseOf.get(sub.id, op.seq, op.delivery);
          if (row && lease && deadLetter(ctx, sub, row, op.seq, op.attempt, nowMs, result)) {
            ctx.sql.deleteLease.run(sub.id, op.seq);
            break;
          }
        }
        const delayMs = op.nack ? backoffMs(sub, op.attempt) : op.deadlineMs;
        ctx.sql.moveLease.run(nowMs + delayMs, sub.id, op.seq, op.delivery);
        break;
      }
      case 'batch':
        if (op.complete) ctx.sql.deleteBatch.run(op.delivery);
        else ctx.sql.updateBatch.run(op.settled, op.delivery);
        break;
    }
  }
}

/** Turns batches whose lease ran out into single leases, so their unsettled members are redelivered. */
function expireBatches(ctx: StoreContext, sub: SubscriptionRow, nowMs: number): void {
  for (const batch of ctx.sql.expiredBatches.all(sub.id, nowMs) as BatchRow[]) {
    for (let seq = batch.first_seq; seq <= batch.last_seq; seq++)
      if (!hasBit(batch.settled, seq - batch.first_seq))
        ctx.sql.insertLease.run(sub.id, seq, 1, nowMs, batch.id);
    ctx.sql.deleteBatch.run(batch.id);
  }
}

/** Forwards a message to the subscription's dead-letter topic; false when that topic is gone. */
function deadLetter(
  ctx: StoreContext,
  sub: SubscriptionRow,
  row: MessageRow,
  seq: number,
  attempts: number,
  nowMs: number,
  result: { deadLettered: DeadLettered[] },
): boolean {
  const target = sub.dead_letter_topic;
  if (target === null || !ctx.sql.topicByName.get(target)) return false;
  // The attributes Pub/Sub adds to a dead-lettered message, so tools read both the same way.
  const attributes = {
    ...(row.attributes === null ? {} : (JSON.parse(row.attributes) as Record<string, string>)),
    CloudPubSubDeadLetterSourceDeliveryCount: String(attempts),
    CloudPubSubDeadLetterSourceSubscription: sub.name,
    CloudPubSubDeadLetterSourceTopicPublishTime: new Date(row.publish_ms).toISOString(),
    CloudPubSubDeadLetterSourceMessageId: String(seq),
  };
  const { topicId } = appendMessages(
    ctx,
    target,
    [{ data: row.data, attributes: JSON.stringify(attributes) }],
    nowMs,
  );
  result.deadLettered.push({ topicId, seq, subscription: sub.name });
  return true;
}

function lastSeq(ctx: StoreContext, topicId: number): number {
  return (ctx.sql.topicById.get(topicId) as TopicRow).last_seq;
}

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

export function countBits(bits: Buffer | null): number {
  let n = 0;
  if (bits) for (const byte of bits) for (let b = byte; b; b &= b - 1) n++;
  return n;
}

/** `[seq, publish_ms, payload length in bytes, attributes]`: a new message before its payload is read. */
type MessageHead = [number, number, number, string | null];

/**
 * The batch's rows, each payload a view into one Buffer that holds them all (the pull's payloads
 * concatenated in seq order). better-sqlite3 copies every BLOB into a Buffer of its own: four native
 * allocations per message on the main thread, freed only when the garbage collector finalizes them,
 * in no order, which leaves glibc's heap holding memory it cannot give back. With views a 20-minute
 * soak at 5,000 events/s held about 125 MB less RSS (docs/soak.md); the shared Buffer goes when the
 * last of its messages does.
 */
function withPayloads(heads: readonly MessageHead[], taken: number, slab: Buffer): RawMessageRow[] {
  const rows: RawMessageRow[] = new Array(taken);
  let offset = 0;
  for (let i = 0; i < taken; i++) {
    const [seq, publishMs, size, attributes] = heads[i]!;
    rows[i] = [seq, publishMs, slab.subarray(offset, offset + size), attributes];
    offset += size;
  }
  return rows;
}
