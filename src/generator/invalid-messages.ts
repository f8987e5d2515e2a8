import { EVENT_TYPES, type EventType, type ShopEvent } from '../contract/event-types.js';
import type { ErrorCode } from '../errors/error-codes.js';
import type { RandomSource } from './random-source.js';

type Path = readonly (string | number)[];
/** An event being damaged: any shape goes, that is the point. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

/**
 * One way a producer gets a message wrong, with the contract code the pipeline must reject it with.
 * `make` damages a fresh valid sample event of one of `types` and returns the bytes to publish.
 */
export interface InvalidKind {
  readonly name: string;
  readonly code: ErrorCode;
  readonly types: readonly EventType[];
  make(event: ShopEvent, rng: RandomSource): Buffer;
}

const ALL = EVENT_TYPES;
const TIME_FIELD: Readonly<Record<EventType, string>> = {
  order: 'order_date',
  inventory: 'timestamp',
  user_activity: 'timestamp',
};

/** Required fields per type (except event_type), nested ones as paths. */
const REQUIRED: Readonly<Record<EventType, readonly Path[]>> = {
  order: [
    ['order_id'],
    ['customer_id'],
    ['order_date'],
    ['status'],
    ['items'],
    ['shipping_address'],
    ['total_amount'],
    ['items', 0, 'product_id'],
    ['items', 0, 'quantity'],
    ['items', 0, 'price'],
    ['shipping_address', 'country'],
  ],
  inventory: [
    ['inventory_id'],
    ['product_id'],
    ['warehouse_id'],
    ['quantity_change'],
    ['reason'],
    ['timestamp'],
  ],
  user_activity: [
    ['user_id'],
    ['activity_type'],
    ['ip_address'],
    ['user_agent'],
    ['timestamp'],
    ['metadata'],
    ['metadata', 'session_id'],
    ['metadata', 'platform'],
  ],
};

/** Wrong JSON types a sloppy producer sends: numbers as strings, floats for integers, epoch numbers. */
const WRONG_TYPES: Readonly<Record<EventType, readonly ((e: Loose) => void)[]>> = {
  order: [
    (e) => (e.total_amount = e.total_amount.toFixed(2)),
    (e) => (e.items[0].quantity = e.items[0].quantity + 0.5),
    (e) => (e.items[0].price = String(e.items[0].price)),
    (e) => (e.items = e.items[0]),
    (e) => (e.shipping_address = `${e.shipping_address.street}, ${e.shipping_address.city}`),
    (e) => (e.order_date = Date.parse(e.order_date)),
  ],
  inventory: [
    (e) => (e.quantity_change = String(e.quantity_change)),
    (e) => (e.quantity_change = e.quantity_change + 0.5),
    (e) => (e.timestamp = Math.floor(Date.parse(e.timestamp) / 1000)),
    (e) => (e.product_id = [e.product_id]),
  ],
  user_activity: [
    (e) => (e.metadata = e.metadata.platform),
    (e) => (e.timestamp = Date.parse(e.timestamp)),
    (e) => (e.user_agent = { name: e.user_agent }),
    (e) => (e.metadata.session_id = Number.parseInt(e.metadata.session_id.slice(0, 8), 16)),
  ],
};

/** Values just outside the enums: other casing, retired or future values. */
const BAD_ENUMS: Readonly<Record<EventType, readonly [Path, readonly string[]][]>> = {
  order: [[['status'], ['cancelled', 'Shipped', 'refunded', 'PENDING', 'in_transit']]],
  inventory: [[['reason'], ['theft', 'Restock', 'transfer', 'adjustment']]],
  user_activity: [
    [['activity_type'], ['checkout', 'Login', 'search', 'add-to-cart']],
    [
      ['metadata', 'platform'],
      ['desktop', 'smart_tv', 'Web', 'ios'],
    ],
  ],
};

const UUID_FIELDS: Readonly<Record<EventType, readonly Path[]>> = {
  order: [['order_id'], ['customer_id'], ['items', 0, 'product_id']],
  inventory: [['inventory_id'], ['product_id'], ['warehouse_id']],
  user_activity: [['user_id'], ['metadata', 'session_id']],
};

const NOT_UUIDS = [
  (id: string) => `ORD-${id.slice(0, 8).toUpperCase()}`,
  (id: string) => id.replaceAll('-', ''),
  (id: string) => id.slice(0, 35),
  (id: string) => `{${id}}`,
  () => 'undefined',
  () => '',
];
const NOT_IPS = ['999.12.0.1', '10.0.0', 'localhost', '192.168.1.300', '::ffff:zz', 'unknown'];

const OUT_OF_RANGE: Readonly<
  Record<'order' | 'inventory', readonly ((e: Loose, rng: RandomSource) => void)[]>
> = {
  order: [
    (e) => (e.items[0].quantity = 0),
    (e) => (e.items[0].quantity = -1),
    (e) => (e.items[0].price = -e.items[0].price),
    (e) => (e.total_amount = -e.total_amount),
  ],
  inventory: [
    (e, rng) => (e.quantity_change = rng.int(101, 5000)),
    (e, rng) => (e.quantity_change = -rng.int(101, 5000)),
  ],
};

/** Latin-1 text where UTF-8 is due: a classic mis-encoding. */
const LATIN1_WORDS = ['Zürich', 'Malmö', 'Kraków', 'São Paulo', 'Besançon', 'Crème brûlée'];

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function at(root: Loose, path: Path): { parent: Loose; key: string | number } {
  let node = root;
  for (const part of path.slice(0, -1)) node = node[part];
  return { parent: node, key: path[path.length - 1]! };
}

function get(root: unknown, path: Path): Loose {
  const { parent, key } = at(root, path);
  return parent[key];
}

function set(root: unknown, path: Path, value: unknown): void {
  const { parent, key } = at(root, path);
  parent[key] = value;
}

function remove(root: unknown, path: Path): void {
  const { parent, key } = at(root, path);
  delete parent[key];
}

/**
 * The catalogue of bad messages `--invalid-ratio` mixes in: every way of breaking the contract that
 * a real producer manages, each with the code the contract assigns it (see docs/errors.md). A test
 * checks each against {@link MessageChecker}. Messages never contain a raw newline, so NDJSON output
 * keeps one message per line (only `empty` gives an empty line).
 */
export const INVALID_KINDS: readonly InvalidKind[] = [
  { name: 'empty', code: 'SHOP_E_DECODE_EMPTY', types: ALL, make: () => Buffer.alloc(0) },
  {
    name: 'byte_order_mark',
    code: 'SHOP_E_DECODE_BOM',
    types: ALL,
    make: (e) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(e)]),
  },
  {
    name: 'latin1_encoding',
    code: 'SHOP_E_DECODE_UTF8',
    types: ALL,
    make: (e, rng) => {
      const record = e as Loose;
      const word = rng.pick(LATIN1_WORDS);
      if (e.event_type === 'order') record.shipping_address.city = word;
      else if (e.event_type === 'user_activity') record.user_agent = `${record.user_agent} (${word})`;
      else record.note = `${word} delivery`;
      return Buffer.from(JSON.stringify(e), 'latin1');
    },
  },
  {
    name: 'malformed_json',
    code: 'SHOP_E_DECODE_JSON',
    types: ALL,
    make: (e, rng) => {
      const text = JSON.stringify(e);
      const variant = rng.int(0, 4);
      if (variant === 0) return Buffer.from(`${text.slice(0, -1)},}`); // trailing comma
      if (variant === 1) return Buffer.from(text.replaceAll('"', "'")); // Python repr
      if (variant === 2) return Buffer.from(text + text); // two events in one message
      if (variant === 3) return Buffer.from(text.replace(/"(\w+)":/, '$1:')); // unquoted key
      // NaN for a number, as JavaScript's String() of a failed computation gives.
      const nan = text.replace(/:(-?\d+(?:\.\d+)?)([,}])/, ':NaN$2');
      return Buffer.from(nan !== text ? nan : `${text.slice(0, -1)},"score":NaN}`);
    },
  },
  {
    name: 'truncated_json',
    code: 'SHOP_E_DECODE_JSON',
    types: ALL,
    // Cut by characters, not bytes, so the rest stays valid UTF-8 and only the JSON is broken.
    make: (e, rng) => {
      const text = JSON.stringify(e);
      return Buffer.from(text.slice(0, rng.int(1, text.length - 1)));
    },
  },
  {
    name: 'not_an_object',
    code: 'SHOP_E_DECODE_NOT_OBJECT',
    types: ALL,
    make: (e, rng) => {
      const variant = rng.int(0, 2);
      if (variant === 0) return json([e]); // a batch sent as one message
      if (variant === 1) return json(JSON.stringify(e)); // encoded twice
      return Buffer.from('null');
    },
  },
  {
    name: 'duplicate_key',
    code: 'SHOP_E_DECODE_DUPLICATE_KEY',
    types: ALL,
    make: (e) => {
      const text = JSON.stringify(e);
      const [key, value] =
        e.event_type === 'order'
          ? ['status', e.status === 'delivered' ? 'pending' : 'delivered']
          : e.event_type === 'inventory'
            ? ['quantity_change', -e.quantity_change]
            : ['activity_type', e.activity_type === 'login' ? 'logout' : 'login'];
      return Buffer.from(`${text.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value)}}`);
    },
  },
  {
    name: 'forbidden_key',
    code: 'SHOP_E_DECODE_FORBIDDEN_KEY',
    types: ALL,
    // The prototype-pollution probe: a key that would rewrite Object.prototype in naive code.
    make: (e, rng) => {
      const key = rng.pick(['__proto__', 'constructor', 'prototype']);
      const text = JSON.stringify(e);
      return Buffer.from(`${text.slice(0, -1)},${JSON.stringify(key)}:{"isAdmin":true}}`);
    },
  },
  {
    name: 'missing_event_type',
    code: 'SHOP_E_EVENT_TYPE_MISSING',
    types: ALL,
    make: (e, rng) => {
      const record = e as Loose;
      if (rng.chance(0.5)) delete record.event_type;
      else record.event_type = null;
      return json(record);
    },
  },
  {
    name: 'unknown_event_type',
    code: 'SHOP_E_EVENT_TYPE_UNKNOWN',
    types: ALL,
    make: (e, rng) => {
      const type = e.event_type;
      (e as Loose).event_type = rng.pick([
        'payment',
        'refund',
        type.toUpperCase(),
        type[0]!.toUpperCase() + type.slice(1),
        `${type}s`,
        `${type} `,
        `../${type}`,
      ]);
      return json(e);
    },
  },
  {
    name: 'missing_field',
    code: 'SHOP_E_FIELD_MISSING',
    types: ALL,
    make: (e, rng) => {
      const path = rng.pick(REQUIRED[e.event_type]);
      if (rng.chance(0.7)) remove(e, path);
      else set(e, path, null);
      return json(e);
    },
  },
  {
    name: 'wrong_type',
    code: 'SHOP_E_FIELD_TYPE',
    types: ALL,
    make: (e, rng) => {
      rng.pick(WRONG_TYPES[e.event_type])(e as Loose);
      return json(e);
    },
  },
  {
    name: 'unknown_enum',
    code: 'SHOP_E_FIELD_ENUM',
    types: ALL,
    make: (e, rng) => {
      const [path, values] = rng.pick(BAD_ENUMS[e.event_type]);
      set(e, path, rng.pick(values));
      return json(e);
    },
  },
  {
    name: 'bad_uuid',
    code: 'SHOP_E_FIELD_FORMAT',
    types: ALL,
    make: (e, rng) => {
      const path = rng.pick(UUID_FIELDS[e.event_type]);
      set(e, path, rng.pick(NOT_UUIDS)(String(get(e, path))));
      return json(e);
    },
  },
  {
    name: 'bad_ip_address',
    code: 'SHOP_E_FIELD_FORMAT',
    types: ['user_activity'],
    make: (e, rng) => {
      (e as Loose).ip_address = rng.pick(NOT_IPS);
      return json(e);
    },
  },
  {
    name: 'out_of_range',
    code: 'SHOP_E_FIELD_RANGE',
    types: ['order', 'inventory'],
    make: (e, rng) => {
      rng.pick(OUT_OF_RANGE[e.event_type as 'order' | 'inventory'])(e as Loose, rng);
      return json(e);
    },
  },
  {
    name: 'empty_items',
    code: 'SHOP_E_FIELD_EMPTY',
    types: ['order'],
    make: (e) => {
      (e as Loose).items = [];
      return json(e);
    },
  },
  {
    name: 'too_long',
    code: 'SHOP_E_FIELD_TOO_LONG',
    types: ['order', 'user_activity'],
    // A User-Agent bloated by toolbars and SDK tags, or a product name with a pasted description.
    make: (e, rng) => {
      const record = e as Loose;
      if (e.event_type === 'user_activity')
        record.user_agent = `${record.user_agent} ${'Ext/1.0 '.repeat(rng.int(250, 400))}`;
      else
        record.items[0].product_name = `${record.items[0].product_name}: ${'Great value. '.repeat(rng.int(40, 80))}`;
      return json(e);
    },
  },
  {
    name: 'bad_timestamp',
    code: 'SHOP_E_TIMESTAMP_INVALID',
    types: ALL,
    make: (e, rng) => {
      const field = TIME_FIELD[e.event_type];
      const iso = String((e as Loose)[field]); // 2025-01-01T10:00:00.000Z
      const [year, month, day, hour, minute] = [
        iso.slice(0, 4),
        iso.slice(5, 7),
        iso.slice(8, 10),
        iso.slice(11, 13),
        iso.slice(14, 16),
      ];
      (e as Loose)[field] = rng.pick([
        iso.slice(0, 19), // no offset: local time of who knows where
        `${year}-02-30T${hour}:${minute}:00Z`, // no such day
        `${month}/${day}/${year} ${hour}:${minute}`, // US locale format
        `${year}-${month}-${day}T25:${minute}:00Z`, // no such hour
        `${year}-${month}-${day}`, // a date without a time
      ]);
      return json(e);
    },
  },
  {
    name: 'timestamp_out_of_bounds',
    code: 'SHOP_E_TIMESTAMP_OUT_OF_BOUNDS',
    types: ALL,
    // Only past bounds: a future one would depend on the wall clock and break byte reproducibility.
    make: (e, rng) => {
      (e as Loose)[TIME_FIELD[e.event_type]] = rng.pick([
        '1970-01-01T00:00:00Z', // epoch zero: an unset clock
        '1999-12-31T23:59:59Z',
        '0001-01-01T00:00:00Z', // a default date value
      ]);
      return json(e);
    },
  },
];
