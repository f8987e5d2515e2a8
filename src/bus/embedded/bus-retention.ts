import type { SubscriptionRow, TopicRow } from './bus-schema.js';
import type { StoreContext } from './bus-statements.js';

/**
 * Retention: which messages a topic's log may drop, and where in the log a time falls (for seek).
 */

/**
 * Deletes, per topic, the oldest messages no subscription needs: acked by every subscription and
 * either older than the acked-retention (`ackedMs`, capped by the subscription's retention) or
 * not among the newest `ackedMessages` of the topic; or older than the subscription's retention
 * at all (then they count as acked, as in Pub/Sub). Deletes at most `maxRows` per call; returns
 * how many it deleted.
 */
export function sweep(
  ctx: StoreContext,
  nowMs: number,
  retainAcked: { readonly ms: number; readonly messages: number },
  maxRows: number,
): number {
  let deleted = 0;
  for (const topic of ctx.sql.topics.all() as TopicRow[]) {
    if (deleted >= maxRows) break;
    const messages = ctx.messagesOf(topic.id);
    const oldest = (messages.oldest.get() as { seq: number | null }).seq;
    if (oldest === null) continue;
    const subs = ctx.sql.subscriptionsOf.all(topic.id) as SubscriptionRow[];
    let bound = topic.last_seq;
    for (const sub of subs) {
      const unsettled = ctx.sql.firstUnsettled.get(sub.id, sub.id) as {
        lease: number | null;
        batch: number | null;
      };
      const firstNeeded = Math.min(sub.cursor + 1, unsettled.lease ?? Infinity, unsettled.batch ?? Infinity);
      const ackedKept = Math.min(
        firstNeeded - 1,
        Math.max(
          lastSeqBefore(ctx, topic, nowMs - Math.min(sub.retention_ms, retainAcked.ms)),
          topic.last_seq - retainAcked.messages,
        ),
      );
      bound = Math.min(bound, Math.max(ackedKept, lastSeqBefore(ctx, topic, nowMs - sub.retention_ms)));
    }
    const upTo = Math.min(bound, oldest + (maxRows - deleted) - 1);
    if (upTo < oldest) continue;
    deleted += messages.deleteUpTo.run(upTo).changes;
    for (const sub of subs) {
      // Unacked messages past retention are dropped: the subscription moves past them.
      if (sub.cursor < upTo) ctx.sql.setCursor.run(upTo, sub.id);
      ctx.sql.deleteLeasesUpTo.run(sub.id, upTo);
    }
  }
  return deleted;
}

/** The highest retained seq published before `timeMs` (or just below the oldest retained one). */
export function lastSeqBefore(ctx: StoreContext, topic: TopicRow, timeMs: number): number {
  const messages = ctx.messagesOf(topic.id);
  const oldest = (messages.oldest.get() as { seq: number | null }).seq;
  if (oldest === null || timeMs > topic.last_publish_ms) return topic.last_seq;
  // Publish times grow with seq, and retained seqs are contiguous: binary search.
  let low = oldest; // first candidate at or after timeMs
  let high = topic.last_seq + 1;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    const at = (messages.publishMsOf.get(mid) as { publish_ms: number } | undefined)?.publish_ms ?? Infinity;
    if (at < timeMs) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}
