import type { ReceivedMessage } from '../bus/message-bus.js';
import type { PreparedBatch } from './prepared-batch.js';
import { WriteProgress } from './write-progress.js';

/**
 * The messages collected since the last flush, in arrival order. Once closed it is checked by a worker
 * thread (`prepared`, kept across write retries) and written; nothing in it is acked until the whole
 * batch is durable.
 */
export class Batch {
  readonly messages: ReceivedMessage[] = [];
  /** The payloads' total size, to flush on flushMaxBytes. */
  bytes = 0;
  prepared: PreparedBatch | undefined;
  /** What of it is durable, across write attempts. */
  readonly progress = new WriteProgress();

  add(message: ReceivedMessage): void {
    this.messages.push(message);
    this.bytes += message.data.length;
  }

  get size(): number {
    return this.messages.length;
  }
}
