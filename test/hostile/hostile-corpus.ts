import type { ErrorCode } from '../../src/errors/error-codes.js';

/** One hostile message and the DLQ code it must get (undefined: it is valid and must round-trip). */
export interface HostileCase {
  readonly name: string;
  readonly bytes: Buffer;
  readonly expected: ErrorCode | undefined;
}

const UUID = (n: number): string => `3f1c2b7e-8d9a-4c1b-9e2f-${n.toString(16).padStart(12, '0')}`;
const NOW = '2025-06-01T12:00:00Z';

export const validOrder = (): Record<string, unknown> => ({
  event_type: 'order',
  order_id: UUID(1),
  customer_id: UUID(2),
  order_date: NOW,
  status: 'pending',
  items: [{ product_id: UUID(3), product_name: 'Desk lamp', quantity: 2, price: 19.99 }],
  shipping_address: { street: '1 Main St', city: 'Lyon', country: 'France' },
  total_amount: 39.98,
});

export const validInventory = (): Record<string, unknown> => ({
  event_type: 'inventory',
  inventory_id: UUID(4),
  product_id: UUID(3),
  warehouse_id: UUID(5),
  quantity_change: -2,
  reason: 'sale',
  timestamp: NOW,
});

export const validActivity = (): Record<string, unknown> => ({
  event_type: 'user_activity',
  user_id: UUID(2),
  activity_type: 'view_product',
  ip_address: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
  timestamp: NOW,
  metadata: { session_id: UUID(6), platform: 'web' },
});

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const text = (value: string): Buffer => Buffer.from(value, 'utf8');
const bytes = (...parts: (Buffer | number[] | string)[]): Buffer =>
  Buffer.concat(
    parts.map((p) =>
      Buffer.isBuffer(p) ? p : typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p),
    ),
  );

/** Sets a (possibly nested) field of a valid event: `with_(validOrder, 'items.0.price', -1)`. */
function with_(base: () => Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const event = base();
  const parts = path.split('.');
  let node = event as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  if (value === DELETE) delete node[parts[parts.length - 1]!];
  else node[parts[parts.length - 1]!] = value;
  return event;
}
const DELETE = Symbol('delete');

const REQUIRED: Record<string, [() => Record<string, unknown>, string[]]> = {
  order: [
    validOrder,
    [
      'order_id',
      'customer_id',
      'order_date',
      'status',
      'items',
      'shipping_address',
      'total_amount',
      'items.0.product_id',
      'items.0.product_name',
      'items.0.quantity',
      'items.0.price',
      'shipping_address.street',
      'shipping_address.city',
      'shipping_address.country',
    ],
  ],
  inventory: [
    validInventory,
    ['inventory_id', 'product_id', 'warehouse_id', 'quantity_change', 'reason', 'timestamp'],
  ],
  user_activity: [
    validActivity,
    [
      'user_id',
      'activity_type',
      'ip_address',
      'user_agent',
      'timestamp',
      'metadata',
      'metadata.session_id',
      'metadata.platform',
    ],
  ],
};

/**
 * The hostile corpus: every kind of bad message a producer (or an attacker) can send, each with the
 * DLQ code it must get, plus valid-but-awkward events that must round-trip exactly.
 */
export function hostileCorpus(): HostileCase[] {
  const order = JSON.stringify(validOrder());
  const cases: HostileCase[] = [
    // Bytes and JSON.
    { name: 'empty message', bytes: Buffer.alloc(0), expected: 'SHOP_E_DECODE_EMPTY' },
    { name: 'malformed JSON', bytes: text('{"event_type": "order",'), expected: 'SHOP_E_DECODE_JSON' },
    {
      name: 'truncated event',
      bytes: text(order.slice(0, order.length / 2)),
      expected: 'SHOP_E_DECODE_JSON',
    },
    { name: 'trailing garbage', bytes: text(order + 'x'), expected: 'SHOP_E_DECODE_JSON' },
    { name: 'two events in one message', bytes: text(order + '\n' + order), expected: 'SHOP_E_DECODE_JSON' },
    { name: 'byte-order mark', bytes: bytes([0xef, 0xbb, 0xbf], order), expected: 'SHOP_E_DECODE_BOM' },
    {
      name: 'invalid UTF-8 byte',
      bytes: bytes('{"event_type":"order","x":"', [0xff], '"}'),
      expected: 'SHOP_E_DECODE_UTF8',
    },
    {
      name: 'overlong UTF-8 encoding',
      bytes: bytes('{"a":"', [0xc0, 0xaf], '"}'),
      expected: 'SHOP_E_DECODE_UTF8',
    },
    {
      name: 'UTF-8 encoded lone surrogate',
      bytes: bytes('{"a":"', [0xed, 0xa0, 0x80], '"}'),
      expected: 'SHOP_E_DECODE_UTF8',
    },
    { name: 'UTF-16 text', bytes: Buffer.from(order, 'utf16le'), expected: 'SHOP_E_DECODE_JSON' },
    {
      name: '10 MB message',
      bytes: json({ ...validOrder(), padding: 'x'.repeat(10_000_000) }),
      expected: 'SHOP_E_DECODE_TOO_LARGE',
    },
    {
      name: 'deep nesting',
      bytes: text(`{"event_type":"order","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`),
      expected: 'SHOP_E_DECODE_JSON',
    },
    {
      name: 'JSON array instead of an object',
      bytes: text(`[${order}]`),
      expected: 'SHOP_E_DECODE_NOT_OBJECT',
    },
    { name: 'JSON string', bytes: text('"order"'), expected: 'SHOP_E_DECODE_NOT_OBJECT' },
    { name: 'JSON number', bytes: text('42'), expected: 'SHOP_E_DECODE_NOT_OBJECT' },
    { name: 'JSON null', bytes: text('null'), expected: 'SHOP_E_DECODE_NOT_OBJECT' },
    { name: 'JSON boolean', bytes: text('true'), expected: 'SHOP_E_DECODE_NOT_OBJECT' },
    {
      name: 'duplicate keys',
      bytes: text(order.replace('"status":"pending"', '"status":"pending","status":"delivered"')),
      expected: 'SHOP_E_DECODE_DUPLICATE_KEY',
    },
    {
      name: 'duplicate keys via escapes',
      bytes: text(order.replace('"status":"pending"', '"status":"pending","st\\u0061tus":"delivered"')),
      expected: 'SHOP_E_DECODE_DUPLICATE_KEY',
    },
    {
      name: '__proto__ key',
      bytes: text('{"__proto__":{"event_type":"order"}}'),
      expected: 'SHOP_E_DECODE_FORBIDDEN_KEY',
    },
    {
      name: 'constructor key',
      bytes: text(order.replace('{', '{"constructor":{"prototype":{"polluted":true}},')),
      expected: 'SHOP_E_DECODE_FORBIDDEN_KEY',
    },
    {
      name: 'NaN spelled out',
      bytes: text(order.replace('"total_amount":39.98', '"total_amount":NaN')),
      expected: 'SHOP_E_DECODE_JSON',
    },
    {
      name: 'Infinity spelled out',
      bytes: text(order.replace('"total_amount":39.98', '"total_amount":Infinity')),
      expected: 'SHOP_E_DECODE_JSON',
    },
    {
      name: 'zero-padded number',
      bytes: text(JSON.stringify(validInventory()).replace('"quantity_change":-2', '"quantity_change":007')),
      expected: 'SHOP_E_DECODE_JSON',
    },
    // Routing.
    {
      name: 'event_type missing',
      bytes: json(with_(validOrder, 'event_type', DELETE)),
      expected: 'SHOP_E_EVENT_TYPE_MISSING',
    },
    {
      name: 'event_type null',
      bytes: json(with_(validOrder, 'event_type', null)),
      expected: 'SHOP_E_EVENT_TYPE_MISSING',
    },
    {
      name: 'event_type unknown',
      bytes: json(with_(validOrder, 'event_type', 'refund')),
      expected: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    },
    {
      name: 'event_type in another case',
      bytes: json(with_(validOrder, 'event_type', 'ORDER')),
      expected: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    },
    {
      name: 'event_type with whitespace',
      bytes: json(with_(validOrder, 'event_type', 'order ')),
      expected: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    },
    {
      name: 'event_type path ../../x',
      bytes: json(with_(validOrder, 'event_type', '../../x')),
      expected: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    },
    {
      name: 'event_type path order/../../x',
      bytes: json(with_(validOrder, 'event_type', 'order/../../x')),
      expected: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    },
    {
      name: 'event_type absolute path',
      bytes: json(with_(validOrder, 'event_type', '/etc/passwd')),
      expected: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    },
    {
      name: 'event_type a number',
      bytes: json(with_(validOrder, 'event_type', 1)),
      expected: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    },
    {
      name: 'event_type an array',
      bytes: json(with_(validOrder, 'event_type', ['order'])),
      expected: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    },
    // Types.
    {
      name: 'quantity as a string',
      bytes: json(with_(validOrder, 'items.0.quantity', '2')),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    {
      name: 'price as a string',
      bytes: json(with_(validOrder, 'items.0.price', '19.99')),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    {
      name: 'NaN as a string',
      bytes: json(with_(validOrder, 'total_amount', 'NaN')),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    {
      name: 'float for an integer quantity',
      bytes: json(with_(validOrder, 'items.0.quantity', 1.5)),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    {
      name: 'float quantity_change',
      bytes: json(with_(validInventory, 'quantity_change', -2.5)),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    {
      name: 'zero-padded quantity_change string',
      bytes: json(with_(validInventory, 'quantity_change', '007')),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    {
      name: 'items an object',
      bytes: json(with_(validOrder, 'items', { 0: validOrder().items })),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    {
      name: 'shipping_address a string',
      bytes: json(with_(validOrder, 'shipping_address', '1 Main St, Lyon')),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    {
      name: 'timestamp a number',
      bytes: json(with_(validInventory, 'timestamp', 1717243200)),
      expected: 'SHOP_E_FIELD_TYPE',
    },
    // Enums.
    {
      name: 'status in another case',
      bytes: json(with_(validOrder, 'status', 'Pending')),
      expected: 'SHOP_E_FIELD_ENUM',
    },
    {
      name: 'status unknown',
      bytes: json(with_(validOrder, 'status', 'cancelled')),
      expected: 'SHOP_E_FIELD_ENUM',
    },
    {
      name: 'reason in another case',
      bytes: json(with_(validInventory, 'reason', 'SALE')),
      expected: 'SHOP_E_FIELD_ENUM',
    },
    {
      name: 'platform in another case',
      bytes: json(with_(validActivity, 'metadata.platform', 'Web')),
      expected: 'SHOP_E_FIELD_ENUM',
    },
    {
      name: 'activity_type unknown',
      bytes: json(with_(validActivity, 'activity_type', 'checkout')),
      expected: 'SHOP_E_FIELD_ENUM',
    },
    // Formats.
    {
      name: 'UUID too short',
      bytes: json(with_(validOrder, 'order_id', '3f1c2b7e-8d9a-4c1b-9e2f')),
      expected: 'SHOP_E_FIELD_FORMAT',
    },
    {
      name: 'UUID with braces',
      bytes: json(with_(validOrder, 'order_id', `{${UUID(1)}}`)),
      expected: 'SHOP_E_FIELD_FORMAT',
    },
    {
      name: 'UUID with a bad variant',
      bytes: json(with_(validOrder, 'order_id', '3f1c2b7e-8d9a-4c1b-1e2f-000000000001')),
      expected: 'SHOP_E_FIELD_FORMAT',
    },
    {
      name: 'UUID not hex',
      bytes: json(with_(validInventory, 'warehouse_id', 'zzzzzzzz-8d9a-4c1b-9e2f-000000000001')),
      expected: 'SHOP_E_FIELD_FORMAT',
    },
    {
      name: 'IP address out of range',
      bytes: json(with_(validActivity, 'ip_address', '999.1.1.1')),
      expected: 'SHOP_E_FIELD_FORMAT',
    },
    // Timestamps.
    {
      name: 'timestamp without offset',
      bytes: json(with_(validInventory, 'timestamp', '2025-06-01T12:00:00')),
      expected: 'SHOP_E_TIMESTAMP_INVALID',
    },
    {
      name: 'date only',
      bytes: json(with_(validInventory, 'timestamp', '2025-06-01')),
      expected: 'SHOP_E_TIMESTAMP_INVALID',
    },
    {
      name: 'impossible date Feb 30',
      bytes: json(with_(validOrder, 'order_date', '2024-02-30T10:00:00Z')),
      expected: 'SHOP_E_TIMESTAMP_INVALID',
    },
    {
      name: 'Feb 29 in a common year',
      bytes: json(with_(validOrder, 'order_date', '2023-02-29T10:00:00Z')),
      expected: 'SHOP_E_TIMESTAMP_INVALID',
    },
    {
      name: 'hour 25',
      bytes: json(with_(validActivity, 'timestamp', '2025-06-01T25:00:00Z')),
      expected: 'SHOP_E_TIMESTAMP_INVALID',
    },
    {
      name: 'far past',
      bytes: json(with_(validInventory, 'timestamp', '1970-01-01T00:00:00Z')),
      expected: 'SHOP_E_TIMESTAMP_OUT_OF_BOUNDS',
    },
    {
      name: 'far future',
      bytes: json(with_(validInventory, 'timestamp', '2999-01-01T00:00:00Z')),
      expected: 'SHOP_E_TIMESTAMP_OUT_OF_BOUNDS',
    },
    // Ranges.
    {
      name: 'quantity_change 101',
      bytes: json(with_(validInventory, 'quantity_change', 101)),
      expected: 'SHOP_E_FIELD_RANGE',
    },
    {
      name: 'quantity_change -101',
      bytes: json(with_(validInventory, 'quantity_change', -101)),
      expected: 'SHOP_E_FIELD_RANGE',
    },
    {
      name: 'negative price',
      bytes: json(with_(validOrder, 'items.0.price', -0.01)),
      expected: 'SHOP_E_FIELD_RANGE',
    },
    {
      name: 'negative total_amount',
      bytes: json(with_(validOrder, 'total_amount', -39.98)),
      expected: 'SHOP_E_FIELD_RANGE',
    },
    {
      name: 'quantity 0',
      bytes: json(with_(validOrder, 'items.0.quantity', 0)),
      expected: 'SHOP_E_FIELD_RANGE',
    },
    {
      name: 'price beyond NUMERIC',
      bytes: json(with_(validOrder, 'items.0.price', 1e30)),
      expected: 'SHOP_E_FIELD_RANGE',
    },
    {
      name: 'quantity beyond BIGINT',
      bytes: json(with_(validOrder, 'items.0.quantity', 1e300)),
      expected: 'SHOP_E_FIELD_RANGE',
    },
    {
      name: 'total_amount beyond NUMERIC',
      bytes: json(with_(validOrder, 'total_amount', 1e30)),
      expected: 'SHOP_E_FIELD_RANGE',
    },
    { name: 'empty items', bytes: json(with_(validOrder, 'items', [])), expected: 'SHOP_E_FIELD_EMPTY' },
    {
      name: '10,000 items',
      bytes: json(
        with_(
          validOrder,
          'items',
          Array.from({ length: 10_000 }, () => ({
            product_id: UUID(3),
            product_name: 'x',
            quantity: 1,
            price: 1,
          })),
        ),
      ),
      expected: 'SHOP_E_FIELD_TOO_LONG',
    },
    {
      name: '1,001 items',
      bytes: json(
        with_(
          validOrder,
          'items',
          Array.from({ length: 1_001 }, () => ({
            product_id: UUID(3),
            product_name: 'x',
            quantity: 1,
            price: 1,
          })),
        ),
      ),
      expected: 'SHOP_E_FIELD_TOO_LONG',
    },
    {
      name: 'very long product name',
      bytes: json(with_(validOrder, 'items.0.product_name', 'n'.repeat(100_000))),
      expected: 'SHOP_E_FIELD_TOO_LONG',
    },
    {
      name: 'very long user agent',
      bytes: json(with_(validActivity, 'user_agent', 'A'.repeat(5_000))),
      expected: 'SHOP_E_FIELD_TOO_LONG',
    },
    // Valid but awkward: must round-trip exactly.
    {
      name: 'control characters in text (valid)',
      bytes: json(with_(validOrder, 'items.0.product_name', 'tab\there\u0001\u001f\u007f')),
      expected: undefined,
    },
    {
      name: 'emoji and non-Latin text (valid)',
      bytes: json(with_(validOrder, 'shipping_address.city', 'Zürich 🏔️ 東京 \u{1F600}')),
      expected: undefined,
    },
    {
      name: 'escaped unicode in text (valid)',
      bytes: text(order.replace('"Desk lamp"', '"Desk \\u00e9 \\ud83d\\ude00 lamp"')),
      expected: undefined,
    },
    {
      name: 'offset timestamp normalized (valid)',
      bytes: json(with_(validOrder, 'order_date', '2025-06-01T14:00:00+02:00')),
      expected: undefined,
    },
    // Valid values a warehouse column must take (DuckDB and BigQuery have no per-row refusal for them).
    {
      name: 'escaped NUL character in text (valid)',
      bytes: text(order.replace('"Lyon"', '"Ly\\u0000on"')),
      expected: undefined,
    },
    {
      name: 'integer written with an exponent (valid)',
      bytes: text(order.replace('"quantity":2', '"quantity":2E0')),
      expected: undefined,
    },
    {
      name: 'price below the smallest double (valid, zero)',
      bytes: text(order.replace('"price":19.99', '"price":1e-400')),
      expected: undefined,
    },
    {
      name: 'timestamp with nanoseconds (valid)',
      bytes: json(with_(validOrder, 'order_date', '2025-06-01T12:00:00.123456789Z')),
      expected: undefined,
    },
    {
      name: 'unknown extra field (valid)',
      bytes: json({ ...validInventory(), coupon: 'SUMMER' }),
      expected: undefined,
    },
  ];
  for (const [type, [base, fields]] of Object.entries(REQUIRED)) {
    for (const field of fields) {
      cases.push({
        name: `${type} ${field} missing`,
        bytes: json(with_(base, field, DELETE)),
        expected: 'SHOP_E_FIELD_MISSING',
      });
      cases.push({
        name: `${type} ${field} null`,
        bytes: json(with_(base, field, null)),
        expected: 'SHOP_E_FIELD_MISSING',
      });
    }
  }
  return cases;
}
