import type { ContractFailure } from '../contract/contract-failure.js';
import { eventIdOf } from '../contract/event-id.js';
import type { ReceivedMessage } from '../bus/message-bus.js';
import type { IngestErrorRow } from '../warehouse/rows.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A DLQ record: everything needed to understand and replay a message that broke the contract. It is
 * one NDJSON line in `output/errors/…` and, with the same fields, a row of `ingest_errors`.
 */
export interface DeadLetterRecord {
  readonly error: ContractFailure;
  readonly message_id: string;
  readonly event_id: string;
  readonly publish_time: string;
  readonly ingestion_time: string;
  readonly delivery_attempt: number;
  readonly attributes: Readonly<Record<string, string>>;
  /** The payload as text when it is valid UTF-8, else base64. */
  readonly payload: string;
  readonly payload_encoding: 'utf8' | 'base64';
}

export function deadLetterRecordOf(
  message: ReceivedMessage,
  failure: ContractFailure,
  ingestionTime: string,
): DeadLetterRecord {
  let payload: string;
  let payload_encoding: 'utf8' | 'base64' = 'utf8';
  try {
    payload = strictUtf8.decode(message.data);
  } catch {
    payload = message.data.toString('base64');
    payload_encoding = 'base64';
  }
  return {
    error: failure,
    message_id: message.id,
    event_id: eventIdOf(message.data),
    publish_time: message.publishTime.toISOString(),
    ingestion_time: ingestionTime,
    delivery_attempt: message.deliveryAttempt,
    attributes: message.attributes,
    payload,
    payload_encoding,
  };
}

/** The bytes of the original message, back from a DLQ record (for replay). */
export function payloadBytesOf(record: Pick<DeadLetterRecord, 'payload' | 'payload_encoding'>): Buffer {
  return Buffer.from(record.payload, record.payload_encoding === 'base64' ? 'base64' : 'utf8');
}

export function ingestErrorRowOf(record: DeadLetterRecord): IngestErrorRow {
  return {
    error_code: record.error.code,
    error_path: record.error.path,
    error_message: record.error.message,
    message_id: record.message_id,
    event_id: record.event_id,
    publish_time: record.publish_time,
    ingestion_time: record.ingestion_time,
    attributes: JSON.stringify(record.attributes),
    payload: record.payload,
    payload_encoding: record.payload_encoding,
  };
}
