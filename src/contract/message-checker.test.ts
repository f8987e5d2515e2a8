import { describe, expect, it } from 'vitest';
import { eventIdOf } from './event-id.js';
import { MessageChecker } from './message-checker.js';

const checker = new MessageChecker({ now: () => Date.parse('2025-06-01T12:00:00Z') });
const event = {
  event_type: 'inventory',
  inventory_id: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
  product_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  warehouse_id: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
  quantity_change: 12,
  reason: 'restock',
  timestamp: '2025-05-31T12:00:00+02:00',
};

describe('MessageChecker', () => {
  it('accepts a valid message with its event_id, type, UTC event and NDJSON line', () => {
    const bytes = Buffer.from(JSON.stringify(event));
    const result = checker.check(bytes);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.eventId).toBe(eventIdOf(bytes));
    expect(result.eventType).toBe('inventory');
    expect((result.event as { timestamp: string }).timestamp).toBe('2025-05-31T10:00:00.000000Z');
    // The lake line is the payload as sent; only the parsed event is normalized.
    expect(result.line).toBe(JSON.stringify(event));
    expect(result.unknownFields).toBe(0);
  });

  it('turns a pretty-printed message into one line, but keeps the id of the bytes that were sent', () => {
    const bytes = Buffer.from(JSON.stringify(event, null, 2));
    const result = checker.check(bytes);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.line).not.toMatch(/[\n\r]/);
    expect(JSON.parse(result.line)).toEqual(event);
    expect(result.eventId).toBe(eventIdOf(bytes));
    expect(result.eventId).not.toBe(eventIdOf(Buffer.from(JSON.stringify(event))));
  });

  it('rejects at the first stage that fails: decode, then type, then fields', () => {
    const code = (bytes: Buffer) => {
      const result = checker.check(bytes);
      return result.ok ? 'ok' : result.failure.code;
    };
    expect(code(Buffer.alloc(0))).toBe('SHOP_E_DECODE_EMPTY');
    expect(code(Buffer.from('{"event_type":"inventory"'))).toBe('SHOP_E_DECODE_JSON');
    expect(code(Buffer.from(JSON.stringify({ ...event, event_type: 'stock' })))).toBe(
      'SHOP_E_EVENT_TYPE_UNKNOWN',
    );
    expect(code(Buffer.from(JSON.stringify({ ...event, reason: 'theft' })))).toBe('SHOP_E_FIELD_ENUM');
    // A duplicate key is caught even when the last value would be valid.
    expect(
      code(
        Buffer.from(
          JSON.stringify(event).replace('"reason":"restock"', '"reason":"theft","reason":"restock"'),
        ),
      ),
    ).toBe('SHOP_E_DECODE_DUPLICATE_KEY');
  });

  it('counts unknown fields of accepted messages', () => {
    const result = checker.check(Buffer.from(JSON.stringify({ ...event, batch: 7, source: 'erp' })));
    expect(result.ok && result.unknownFields).toBe(2);
  });

  it('uses contract.maxMessageBytes', () => {
    const small = new MessageChecker({ maxMessageBytes: 100 });
    const result = small.check(Buffer.from(JSON.stringify(event)));
    expect(result.ok ? 'ok' : result.failure.code).toBe('SHOP_E_DECODE_TOO_LARGE');
  });
});
