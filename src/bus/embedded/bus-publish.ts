import { INSERT_ROWS, requireTopic, type StoreContext } from './bus-statements.js';

/** A message to append: its bytes and its attributes as JSON (null when there are none). */
export interface NewMessage {
  readonly data: Uint8Array;
  readonly attributes: string | null;
}

/**
 * Appends messages to a topic's log; returns the topic id and the first sequence number (the rest
 * follow). Must run inside the store's write transaction.
 */
export function appendMessages(
  ctx: StoreContext,
  topicName: string,
  messages: readonly NewMessage[],
  nowMs: number,
): { topicId: number; firstSeq: number; publishMs: number } {
  const topic = requireTopic(ctx.sql, topicName);
  // Publish time never goes backwards within a topic, even if the clock does.
  const publishMs = Math.max(nowMs, topic.last_publish_ms);
  const statements = ctx.messagesOf(topic.id);
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
  ctx.sql.advanceTopic.run(seq, publishMs, topic.id);
  return { topicId: topic.id, firstSeq: topic.last_seq + 1, publishMs };
}
