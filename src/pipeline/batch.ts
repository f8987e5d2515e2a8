import type { ReceivedMessage } from '../bus/message-bus.js';
import type { AcceptedMessage } from '../contract/message-checker.js';
import type { ContractFailure } from '../contract/contract-failure.js';
import type { EventType } from '../contract/event-types.js';
import { minuteOf } from './lake-layout.js';

/** Raw lake lines of one event type and minute, with the size that decides when to flush. */
export interface LakeBuffer {
  readonly eventType: EventType;
  readonly minute: string;
  readonly lines: string[];
  bytes: number;
}

/**
 * The messages collected since the last flush, already checked against the contract and grouped
 * the way the sinks want them: lake lines per (type, minute), warehouse rows per table, DLQ records.
 * Nothing in it is acked until the whole batch is durable.
 */
export class Batch {
  readonly messages: ReceivedMessage[] = [];
  readonly accepted: { message: ReceivedMessage; checked: AcceptedMessage }[] = [];
  readonly rejected: { message: ReceivedMessage; failure: ContractFailure }[] = [];
  readonly lakeBuffers = new Map<string, LakeBuffer>();
  /** The size of the largest lake buffer, to flush on flushMaxBytes (records: the batch's size bounds them). */
  maxBufferBytes = 0;

  addAccepted(message: ReceivedMessage, checked: AcceptedMessage, eventTime: string): void {
    this.messages.push(message);
    this.accepted.push({ message, checked });
    const minute = minuteOf(eventTime);
    const key = checked.eventType + minute;
    let buffer = this.lakeBuffers.get(key);
    if (!buffer) {
      buffer = { eventType: checked.eventType, minute, lines: [], bytes: 0 };
      this.lakeBuffers.set(key, buffer);
    }
    buffer.lines.push(checked.line);
    buffer.bytes += checked.line.length + 1;
    if (buffer.bytes > this.maxBufferBytes) this.maxBufferBytes = buffer.bytes;
  }

  addRejected(message: ReceivedMessage, failure: ContractFailure): void {
    this.messages.push(message);
    this.rejected.push({ message, failure });
  }

  get size(): number {
    return this.messages.length;
  }
}
