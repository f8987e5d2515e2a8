import { describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../bus/message-bus.js';
import { eventIdOf } from '../contract/event-id.js';
import { deadLetterRecordOf, ingestErrorRowOf, payloadBytesOf } from './dead-letter-record.js';

const message = (data: Buffer): ReceivedMessage => ({
  id: 'm-1',
  data,
  attributes: { source: 'test' },
  publishTime: new Date('2025-01-01T00:00:00.000Z'),
  deliveryAttempt: 2,
  ack() {},
  nack() {},
  modifyAckDeadline() {},
});
const failure = { code: 'SHOP_E_DECODE_UTF8', path: '', message: 'bad' } as const;

describe('DLQ records', () => {
  it('keeps a UTF-8 payload as text and everything needed to replay it', () => {
    const data = Buffer.from('{"event_type":"refund"} ✓');
    const record = deadLetterRecordOf(message(data), failure, '2025-01-01T00:00:01.000Z');
    expect(record).toMatchObject({
      payload: data.toString('utf8'),
      payload_encoding: 'utf8',
      message_id: 'm-1',
      delivery_attempt: 2,
      event_id: eventIdOf(data),
    });
    expect(payloadBytesOf(record).equals(data)).toBe(true);
  });

  it('keeps invalid UTF-8 as base64, byte for byte', () => {
    const data = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const record = deadLetterRecordOf(message(data), failure, '2025-01-01T00:00:01.000Z');
    expect(record.payload_encoding).toBe('base64');
    expect(payloadBytesOf(record).equals(data)).toBe(true);
    expect(ingestErrorRowOf(record)).toMatchObject({
      error_code: 'SHOP_E_DECODE_UTF8',
      payload_encoding: 'base64',
      attributes: '{"source":"test"}',
    });
  });
});
