import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../errors/error-codes.js';
import { EventValidator } from './event-validator.js';

// Pinned "now": bounds relative to now give the same answers on any day.
const NOW = Date.parse('2025-06-01T12:00:00Z');
const validator = new EventValidator({ now: () => NOW });

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const order = (): Json => ({
  event_type: 'order',
  order_id: '3f1c2a4e-8b7d-4c6e-9a1b-2c3d4e5f6a7b',
  customer_id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  order_date: '2025-05-31T10:00:00.000Z',
  status: 'pending',
  items: [
    {
      product_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      product_name: 'Sleek Cotton Hoodie',
      quantity: 2,
      price: 39.99,
    },
  ],
  shipping_address: { street: '1 Main St', city: 'Springfield', country: 'United States' },
  total_amount: 79.98,
});
const inventory = (): Json => ({
  event_type: 'inventory',
  inventory_id: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
  product_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  warehouse_id: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
  quantity_change: -2,
  reason: 'sale',
  timestamp: '2025-05-31T10:00:01.000Z',
});
const activity = (): Json => ({
  event_type: 'user_activity',
  user_id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  activity_type: 'view_product',
  ip_address: '81.2.69.160',
  user_agent:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  timestamp: '2025-05-31T09:59:00.000Z',
  metadata: { session_id: '4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8', platform: 'web' },
});

function outcome(event: Json, v = validator): { code: ErrorCode | 'ok'; path: string } {
  const result = v.validate(event);
  return result.ok ? { code: 'ok', path: '' } : { code: result.failure.code, path: result.failure.path };
}

describe('EventValidator', () => {
  it('accepts a valid event of each type, with no unknown fields', () => {
    for (const make of [order, inventory, activity]) {
      const result = validator.validate(make());
      expect(result.ok).toBe(true);
      expect(result.ok && result.unknownFields).toBe(0);
    }
  });

  describe('event_type', () => {
    it.each([
      ['missing', undefined, 'SHOP_E_EVENT_TYPE_MISSING'],
      ['null', null, 'SHOP_E_EVENT_TYPE_MISSING'],
      ['unknown', 'payment', 'SHOP_E_EVENT_TYPE_UNKNOWN'],
      ['another case', 'Order', 'SHOP_E_EVENT_TYPE_UNKNOWN'],
      ['upper case', 'USER_ACTIVITY', 'SHOP_E_EVENT_TYPE_UNKNOWN'],
      ['path-like', '../order', 'SHOP_E_EVENT_TYPE_UNKNOWN'],
      ['a traversal', '../../etc/passwd', 'SHOP_E_EVENT_TYPE_UNKNOWN'],
      ['with a trailing space', 'order ', 'SHOP_E_EVENT_TYPE_UNKNOWN'],
      ['a number', 1, 'SHOP_E_EVENT_TYPE_UNKNOWN'],
    ])('%s → its code, at /event_type', (_name, value, code) => {
      const event = order();
      if (value === undefined) delete event.event_type;
      else event.event_type = value;
      expect(outcome(event)).toEqual({ code, path: '/event_type' });
    });

    it('quotes at most 64 characters of an unknown type in the message', () => {
      const event = order();
      event.event_type = 'x'.repeat(10_000);
      const result = validator.validate(event);
      expect(!result.ok && result.failure.message.length).toBeLessThan(200);
    });
  });

  describe('field codes, each with the JSON Pointer of the field', () => {
    const cases: [string, () => Json, (e: Json) => void, ErrorCode, string][] = [
      ['missing order_id', order, (e) => delete e.order_id, 'SHOP_E_FIELD_MISSING', '/order_id'],
      ['null customer_id', order, (e) => (e.customer_id = null), 'SHOP_E_FIELD_MISSING', '/customer_id'],
      ['missing item price', order, (e) => delete e.items[0].price, 'SHOP_E_FIELD_MISSING', '/items/0/price'],
      ['null status', order, (e) => (e.status = null), 'SHOP_E_FIELD_MISSING', '/status'],
      ['missing metadata', activity, (e) => delete e.metadata, 'SHOP_E_FIELD_MISSING', '/metadata'],
      [
        'missing platform',
        activity,
        (e) => delete e.metadata.platform,
        'SHOP_E_FIELD_MISSING',
        '/metadata/platform',
      ],
      ['total as a string', order, (e) => (e.total_amount = '79.98'), 'SHOP_E_FIELD_TYPE', '/total_amount'],
      [
        'fractional quantity',
        order,
        (e) => (e.items[0].quantity = 1.5),
        'SHOP_E_FIELD_TYPE',
        '/items/0/quantity',
      ],
      [
        'quantity_change as a string',
        inventory,
        (e) => (e.quantity_change = '5'),
        'SHOP_E_FIELD_TYPE',
        '/quantity_change',
      ],
      ['items as an object', order, (e) => (e.items = e.items[0]), 'SHOP_E_FIELD_TYPE', '/items'],
      ['epoch-number timestamp', inventory, (e) => (e.timestamp = NOW), 'SHOP_E_FIELD_TYPE', '/timestamp'],
      ['metadata as a string', activity, (e) => (e.metadata = 'web'), 'SHOP_E_FIELD_TYPE', '/metadata'],
      ['unknown status', order, (e) => (e.status = 'cancelled'), 'SHOP_E_FIELD_ENUM', '/status'],
      ['status in another case', order, (e) => (e.status = 'Pending'), 'SHOP_E_FIELD_ENUM', '/status'],
      ['unknown reason', inventory, (e) => (e.reason = 'theft'), 'SHOP_E_FIELD_ENUM', '/reason'],
      [
        'unknown activity',
        activity,
        (e) => (e.activity_type = 'checkout'),
        'SHOP_E_FIELD_ENUM',
        '/activity_type',
      ],
      [
        'unknown platform',
        activity,
        (e) => (e.metadata.platform = 'desktop'),
        'SHOP_E_FIELD_ENUM',
        '/metadata/platform',
      ],
      ['a non-UUID id', order, (e) => (e.order_id = 'ORD-12345'), 'SHOP_E_FIELD_FORMAT', '/order_id'],
      [
        'a UUID without dashes',
        inventory,
        (e) => (e.product_id = e.product_id.replaceAll('-', '')),
        'SHOP_E_FIELD_FORMAT',
        '/product_id',
      ],
      [
        'a UUID of the wrong variant',
        inventory,
        (e) => (e.inventory_id = '1b2c3d4e-5f6a-4b7c-cd9e-0f1a2b3c4d5e'),
        'SHOP_E_FIELD_FORMAT',
        '/inventory_id',
      ],
      [
        'a nested non-UUID',
        order,
        (e) => (e.items[0].product_id = 'SKU-1'),
        'SHOP_E_FIELD_FORMAT',
        '/items/0/product_id',
      ],
      [
        'a bad IPv4 address',
        activity,
        (e) => (e.ip_address = '999.1.1.1'),
        'SHOP_E_FIELD_FORMAT',
        '/ip_address',
      ],
      [
        'a host name for an IP',
        activity,
        (e) => (e.ip_address = 'localhost'),
        'SHOP_E_FIELD_FORMAT',
        '/ip_address',
      ],
      ['quantity 0', order, (e) => (e.items[0].quantity = 0), 'SHOP_E_FIELD_RANGE', '/items/0/quantity'],
      ['negative price', order, (e) => (e.items[0].price = -1), 'SHOP_E_FIELD_RANGE', '/items/0/price'],
      ['negative total', order, (e) => (e.total_amount = -0.01), 'SHOP_E_FIELD_RANGE', '/total_amount'],
      [
        'quantity_change 101',
        inventory,
        (e) => (e.quantity_change = 101),
        'SHOP_E_FIELD_RANGE',
        '/quantity_change',
      ],
      [
        'quantity_change -101',
        inventory,
        (e) => (e.quantity_change = -101),
        'SHOP_E_FIELD_RANGE',
        '/quantity_change',
      ],
      ['no items', order, (e) => (e.items = []), 'SHOP_E_FIELD_EMPTY', '/items'],
      [
        'a 501-character product name',
        order,
        (e) => (e.items[0].product_name = 'x'.repeat(501)),
        'SHOP_E_FIELD_TOO_LONG',
        '/items/0/product_name',
      ],
      [
        'a 201-character city',
        order,
        (e) => (e.shipping_address.city = 'x'.repeat(201)),
        'SHOP_E_FIELD_TOO_LONG',
        '/shipping_address/city',
      ],
      [
        'a 2,001-character user agent',
        activity,
        (e) => (e.user_agent = 'x'.repeat(2001)),
        'SHOP_E_FIELD_TOO_LONG',
        '/user_agent',
      ],
      [
        '1,001 items',
        order,
        (e) => (e.items = Array.from({ length: 1001 }, () => e.items[0])),
        'SHOP_E_FIELD_TOO_LONG',
        '/items',
      ],
    ];
    it.each(cases)('%s', (_name, make, damage, code, path) => {
      const event = make();
      damage(event);
      expect(outcome(event)).toEqual({ code, path });
    });

    it('accepts the edges of each range', () => {
      const edges: [() => Json, (e: Json) => void][] = [
        [inventory, (e) => (e.quantity_change = 100)],
        [inventory, (e) => (e.quantity_change = -100)],
        [order, (e) => (e.items[0].price = 0)],
        [order, (e) => (e.total_amount = 0)],
        [order, (e) => (e.items[0].quantity = 1)],
        [order, (e) => (e.items[0].product_name = 'x'.repeat(500))],
        [activity, (e) => (e.user_agent = 'x'.repeat(2000))],
        [activity, (e) => (e.ip_address = '2a02:8108:1234::1')],
        [activity, (e) => (e.ip_address = '::ffff:81.2.69.160')],
        [order, (e) => (e.order_id = e.order_id.toUpperCase())],
      ];
      for (const [make, change] of edges) {
        const event = make();
        change(event);
        expect(outcome(event)).toEqual({ code: 'ok', path: '' });
      }
    });
  });

  describe('timestamps', () => {
    it.each([
      ['without an offset', '2025-05-31T10:00:00'],
      ['without an offset, with milliseconds', '2025-05-31T10:00:00.000'],
      ['an impossible date', '2025-02-30T10:00:00Z'],
      ['an impossible hour', '2025-05-31T25:00:00Z'],
      ['a date only', '2025-05-31'],
      ['a US-style date', '05/31/2025 10:00'],
      ['an empty string', ''],
    ])('rejects a timestamp %s', (_name, value) => {
      const event = inventory();
      event.timestamp = value;
      expect(outcome(event)).toEqual({ code: 'SHOP_E_TIMESTAMP_INVALID', path: '/timestamp' });
    });

    it('rejects times before 2000-01-01 and more than a day after now, and accepts the bounds', () => {
      const at = (ts: string) => {
        const event = order();
        event.order_date = ts;
        return outcome(event);
      };
      const out = { code: 'SHOP_E_TIMESTAMP_OUT_OF_BOUNDS', path: '/order_date' };
      expect(at('1999-12-31T23:59:59.999Z')).toEqual(out);
      expect(at('1970-01-01T00:00:00Z')).toEqual(out);
      expect(at('2000-01-01T00:00:00Z').code).toBe('ok');
      expect(at(new Date(NOW + 86_400_000).toISOString()).code).toBe('ok');
      expect(at(new Date(NOW + 86_400_001).toISOString())).toEqual(out);
      expect(at('2999-01-01T00:00:00Z')).toEqual(out);
    });

    it('applies configured bounds', () => {
      const strict = new EventValidator({
        now: () => NOW,
        minTimestamp: '2025-01-01T00:00:00Z',
        maxFutureMs: 0,
      });
      const event = inventory();
      event.timestamp = '2024-12-31T23:59:59Z';
      expect(outcome(event, strict).code).toBe('SHOP_E_TIMESTAMP_OUT_OF_BOUNDS');
      event.timestamp = new Date(NOW + 1).toISOString();
      expect(outcome(event, strict).code).toBe('SHOP_E_TIMESTAMP_OUT_OF_BOUNDS');
      event.timestamp = new Date(NOW).toISOString();
      expect(outcome(event, strict).code).toBe('ok');
    });

    it.each([
      ['2025-05-31T12:00:00+02:00', '2025-05-31T10:00:00.000000Z'],
      ['2025-05-31T04:30:00-05:30', '2025-05-31T10:00:00.000000Z'],
      ['2025-05-31T10:00:00Z', '2025-05-31T10:00:00.000000Z'],
      ['2025-05-31t10:00:00.5z', '2025-05-31T10:00:00.500000Z'],
      ['2025-05-31T10:00:00.123456Z', '2025-05-31T10:00:00.123456Z'],
      ['2025-05-31T10:00:00.123456789Z', '2025-05-31T10:00:00.123456Z'],
      ['2025-05-31T12:00:00.654321+02:00', '2025-05-31T10:00:00.654321Z'],
      ['2025-06-01T00:30:00+01:00', '2025-05-31T23:30:00.000000Z'],
      ['2025-05-31T10:00:00.000Z', '2025-05-31T10:00:00.000000Z'],
    ])('normalizes %s to UTC %s, in the returned event', (input, utc) => {
      const event = order();
      event.order_date = input;
      const result = validator.validate(event);
      expect(result.ok && (result.event as Json).order_date).toBe(utc);
    });
  });

  it('accepts unknown fields and counts them, at every level', () => {
    const event = order();
    event.coupon = 'SPRING';
    event.channel = 'app';
    event.items.push({ ...event.items[0], gift_wrap: true });
    event.items[0].discount = 5;
    event.shipping_address.zip = '12345';
    const result = validator.validate(event);
    expect(result.ok).toBe(true);
    expect(result.ok && result.unknownFields).toBe(5);

    const user = activity();
    user.metadata.app_version = '4.2.0';
    const other = validator.validate(user);
    expect(other.ok && other.unknownFields).toBe(1);
  });
});
