import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageChecker } from '../../src/contract/message-checker.js';
import { ERROR_CODES } from '../../src/errors/error-codes.js';
import { TABLE_OF_TYPE, rowOf } from '../../src/warehouse/rows.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const checker = new MessageChecker({ now: () => NOW });

const uuid = fc.uuid({ version: [1, 2, 3, 4, 5] });
const time = fc
  .integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: NOW })
  .chain((ms) =>
    fc.record({
      ms: fc.constant(ms),
      offsetMinutes: fc.integer({ min: -14 * 60, max: 14 * 60 }).map((m) => m - (m % 15)),
    }),
  )
  .map(({ ms, offsetMinutes }) => {
    // Render the instant in a random offset, e.g. 2024-05-01T12:00:00.123+05:30.
    const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
    const utc = new Date(ms).toISOString().replace('Z', '000Z');
    if (offsetMinutes === 0) return { text: `${local}Z`, utc };
    const sign = offsetMinutes > 0 ? '+' : '-';
    const abs = Math.abs(offsetMinutes);
    return {
      text: `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`,
      utc,
    };
  });
const text = (max: number) => fc.string({ maxLength: max, unit: 'grapheme' });
const money = fc.integer({ min: 0, max: 10_000_000 }).map((cents) => cents / 100);

const order = fc.record({
  event_type: fc.constant('order' as const),
  order_id: uuid,
  customer_id: uuid,
  order_date: time,
  status: fc.constantFrom('pending', 'processing', 'shipped', 'delivered'),
  items: fc.array(
    fc.record({
      product_id: uuid,
      product_name: text(40),
      quantity: fc.integer({ min: 1, max: 1000 }),
      price: money,
    }),
    { minLength: 1, maxLength: 5 },
  ),
  shipping_address: fc.record({ street: text(30), city: text(20), country: text(20) }),
  total_amount: money,
});
const inventory = fc.record({
  event_type: fc.constant('inventory' as const),
  inventory_id: uuid,
  product_id: uuid,
  warehouse_id: uuid,
  quantity_change: fc.integer({ min: -100, max: 100 }),
  reason: fc.constantFrom('restock', 'sale', 'return', 'damage'),
  timestamp: time,
});
const activity = fc.record({
  event_type: fc.constant('user_activity' as const),
  user_id: uuid,
  activity_type: fc.constantFrom('login', 'logout', 'view_product', 'add_to_cart', 'remove_from_cart'),
  ip_address: fc.oneof(fc.ipV4(), fc.ipV6()),
  user_agent: text(60),
  timestamp: time,
  metadata: fc.record({ session_id: uuid, platform: fc.constantFrom('web', 'mobile', 'tablet') }),
});

/** Replaces each generated {text, utc} time by its text form: the event as a producer sends it. */
function asSent(event: Record<string, unknown>): {
  sent: Record<string, unknown>;
  utcField: [string, string];
} {
  const field = event.event_type === 'order' ? 'order_date' : 'timestamp';
  const t = event[field] as { text: string; utc: string };
  return { sent: { ...event, [field]: t.text }, utcField: [field, t.utc] };
}

describe('contract properties', () => {
  it('any byte string ends in exactly one of: a table, or the DLQ with a documented code', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.string().map((s) => new TextEncoder().encode(s)),
          fc.json().map((s) => new TextEncoder().encode(s)),
        ),
        (bytes) => {
          const result = checker.check(bytes);
          if (result.ok) expect(Object.keys(TABLE_OF_TYPE)).toContain(result.eventType);
          else expect(Object.keys(ERROR_CODES)).toContain(result.failure.code);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('mutating one byte of a valid event still ends in a table or the DLQ, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(order, inventory, activity),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (event, at, value) => {
          const bytes = Buffer.from(JSON.stringify(asSent(event).sent));
          bytes[at % bytes.length] = value;
          const result = checker.check(bytes);
          expect(result.ok || Object.keys(ERROR_CODES).includes(result.failure.code)).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('any valid event round-trips to an identical row and lake line', () => {
    fc.assert(
      fc.property(fc.oneof(order, inventory, activity), (event) => {
        const { sent, utcField } = asSent(event);
        const payload = JSON.stringify(sent);
        const result = checker.check(Buffer.from(payload));
        expect(result.ok, JSON.stringify(!result.ok && result.failure)).toBe(true);
        if (!result.ok) return;
        expect(result.line).toBe(payload);
        const row = rowOf(
          result,
          '2025-06-01T12:00:01.000Z',
          '2025-06-01T12:00:02.000Z',
        ) as unknown as Record<string, unknown>;
        const { event_type: _type, ...fields } = sent;
        expect(row).toEqual({
          ...fields,
          [utcField[0]]: utcField[1],
          event_id: result.eventId,
          publish_time: '2025-06-01T12:00:01.000Z',
          ingestion_time: '2025-06-01T12:00:02.000Z',
        });
      }),
      { numRuns: 2_000 },
    );
  });
});
