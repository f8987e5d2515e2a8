import type { ReceivedMessage } from '../bus/message-bus.js';

/**
 * A batch's payloads and publish times in three flat arrays, which move to a worker thread without
 * copying (their buffers are transferred) and without a structured clone of one object per message.
 */
export interface PackedMessages {
  /** Every payload, back to back. */
  readonly bytes: Uint8Array;
  /** Message i is bytes[offsets[i], offsets[i + 1]); length = count + 1. */
  readonly offsets: Uint32Array;
  /** When the bus accepted each message, in ms since the epoch. */
  readonly publishTimes: Float64Array;
}

export function packMessages(
  messages: readonly Pick<ReceivedMessage, 'data' | 'publishTime'>[],
): PackedMessages {
  const offsets = new Uint32Array(messages.length + 1);
  const publishTimes = new Float64Array(messages.length);
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    offsets[i] = total;
    total += messages[i]!.data.length;
    publishTimes[i] = messages[i]!.publishTime.getTime();
  }
  offsets[messages.length] = total;
  const bytes = new Uint8Array(total);
  for (let i = 0; i < messages.length; i++) bytes.set(messages[i]!.data, offsets[i]);
  return { bytes, offsets, publishTimes };
}

/** The buffers to transfer with a packed batch. */
export function transferablesOf(packed: PackedMessages): ArrayBuffer[] {
  return [packed.bytes.buffer, packed.offsets.buffer, packed.publishTimes.buffer] as ArrayBuffer[];
}
