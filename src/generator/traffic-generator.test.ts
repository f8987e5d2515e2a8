import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS } from '../contract/schemas.js';
import type { InventoryEvent, OrderEvent, ShopEvent, UserActivityEvent } from '../contract/event-types.js';
import { MessageChecker } from '../contract/message-checker.js';
import type { GeneratedMessage } from './generated-message.js';
import { buildReferenceUniverse } from './reference-universe.js';
import { DEFAULT_SEEDED_START, TrafficGenerator } from './traffic-generator.js';
import { SHOP_TRAFFIC_PROFILE, TRAFFIC_PROFILE_NAMES } from './traffic-profiles.js';

const universe = buildReferenceUniverse({ seed: 42 });
const checker = new MessageChecker();
const text = (m: GeneratedMessage): string => m.data.toString('utf8');

/**
 * The shop made quiet: few sessions per simulated second, so a few thousand events span whole order
 * lifecycles on its realistic clock.
 */
const QUIET_SHOP = { ...SHOP_TRAFFIC_PROFILE, sessionsPerSecond: 0.02, damagesPerSecond: 0.0005 };

function generate(count: number, options: Partial<ConstructorParameters<typeof TrafficGenerator>[0]> = {}) {
  const generator = new TrafficGenerator({ seed: 1, universe, ...options });
  return generator.take(count);
}

function events(messages: readonly GeneratedMessage[]): ShopEvent[] {
  return messages.filter((m) => m.eventType !== null).map((m) => JSON.parse(text(m)) as ShopEvent);
}

const timeOf = (e: ShopEvent): number => Date.parse(e.event_type === 'order' ? e.order_date : e.timestamp);

describe.each(TRAFFIC_PROFILE_NAMES)('TrafficGenerator output meets the contract (profile %s)', (profile) => {
  const messages = generate(20_000, { profile });

  it('every valid message passes MessageChecker, as its announced type', () => {
    const failures: string[] = [];
    for (const message of messages) {
      const result = checker.check(message.data);
      if (!result.ok) failures.push(`${result.failure.code} ${result.failure.path}: ${text(message)}`);
      else if (result.eventType !== message.eventType)
        failures.push(`type ${result.eventType} ≠ ${message.eventType}`);
    }
    expect(failures.slice(0, 3)).toEqual([]);
    expect(messages.every((m) => m.eventType !== null)).toBe(true);
  });

  it('writes canonical JSON with the schema field order and no unknown fields', () => {
    for (const message of messages.slice(0, 5_000)) {
      const raw = text(message);
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      expect(JSON.stringify(parsed)).toBe(raw);
      const schemaKeys = Object.keys(EVENT_SCHEMAS[message.eventType!].properties as object);
      expect(Object.keys(parsed)).toEqual(schemaKeys);
      expect(raw).not.toMatch(/[\n\r]/);
    }
  });

  it('never repeats a message, so every event has its own event_id', () => {
    expect(new Set(messages.map((m) => m.data.toString())).size).toBe(messages.length);
  });

  it('produces all three event types (their shares per profile: traffic-profiles.test.ts)', () => {
    const counts = { order: 0, inventory: 0, user_activity: 0 };
    for (const m of messages) counts[m.eventType!]++;
    expect(counts.order).toBeGreaterThan(0);
    expect(counts.inventory).toBeGreaterThan(0);
    expect(counts.user_activity).toBeGreaterThan(0);
  });
});

describe('reproducibility', () => {
  it('the same seed gives identical bytes, invalid messages included', () => {
    const a = generate(5_000, { seed: 7, invalidRatio: 0.1 });
    const b = generate(5_000, { seed: 7, invalidRatio: 0.1 });
    expect(Buffer.concat(a.map((m) => m.data)).equals(Buffer.concat(b.map((m) => m.data)))).toBe(true);
    expect(a.map((m) => m.invalidKind)).toEqual(b.map((m) => m.invalidKind));
  });

  it('a different seed gives different bytes', () => {
    const a = generate(1_000, { seed: 7 });
    const b = generate(1_000, { seed: 8 });
    const same = a.filter((m, i) => m.data.equals(b[i]!.data)).length;
    expect(same).toBe(0);
  });

  it('starts a seeded simulated run at the fixed default instant, or at the given start', () => {
    expect(timeOf(events(generate(1))[0]!)).toBeGreaterThanOrEqual(DEFAULT_SEEDED_START.getTime());
    const start = new Date('2024-03-10T08:00:00Z');
    const first = events(generate(50, { start }));
    expect(Math.min(...first.map(timeOf))).toBeGreaterThanOrEqual(start.getTime());
    expect(Math.max(...first.map(timeOf))).toBeLessThan(start.getTime() + 60_000);
  });

  it('injecting invalid messages leaves the valid stream unchanged', () => {
    const clean = generate(4_000, { seed: 9 });
    const mixed = generate(4_000, { seed: 9, invalidRatio: 0.25 }).filter((m) => m.eventType !== null);
    expect(mixed.length).toBeGreaterThan(2_500);
    mixed.forEach((m, i) => expect(m.data.equals(clean[i]!.data)).toBe(true));
  });
});

describe('invalid messages', () => {
  const messages = generate(30_000, { invalidRatio: 0.3 });
  const invalid = messages.filter((m) => m.eventType === null);

  it('come at about the requested ratio', () => {
    expect(invalid.length / messages.length).toBeGreaterThan(0.27);
    expect(invalid.length / messages.length).toBeLessThan(0.33);
  });

  it('are each rejected with the code their kind announces', () => {
    const wrong: string[] = [];
    for (const message of invalid) {
      const result = checker.check(message.data);
      const got = result.ok ? 'accepted' : result.failure.code;
      if (got !== message.expectedCode)
        wrong.push(`${message.invalidKind}: expected ${message.expectedCode}, got ${got}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('cover every contract code a producer can cause', () => {
    const codes = new Set(invalid.map((m) => m.expectedCode));
    expect([...codes].sort()).toEqual(
      [
        'SHOP_E_DECODE_BOM',
        'SHOP_E_DECODE_DUPLICATE_KEY',
        'SHOP_E_DECODE_EMPTY',
        'SHOP_E_DECODE_FORBIDDEN_KEY',
        'SHOP_E_DECODE_JSON',
        'SHOP_E_DECODE_NOT_OBJECT',
        'SHOP_E_DECODE_UTF8',
        'SHOP_E_EVENT_TYPE_MISSING',
        'SHOP_E_EVENT_TYPE_UNKNOWN',
        'SHOP_E_FIELD_EMPTY',
        'SHOP_E_FIELD_ENUM',
        'SHOP_E_FIELD_FORMAT',
        'SHOP_E_FIELD_MISSING',
        'SHOP_E_FIELD_RANGE',
        'SHOP_E_FIELD_TOO_LONG',
        'SHOP_E_FIELD_TYPE',
        'SHOP_E_TIMESTAMP_INVALID',
        'SHOP_E_TIMESTAMP_OUT_OF_BOUNDS',
      ].sort(),
    );
  });

  it('never contain a raw newline, so NDJSON keeps one message per line', () => {
    expect(invalid.filter((m) => m.data.includes(0x0a) || m.data.includes(0x0d))).toEqual([]);
  });
});

// Whole sessions, order lifecycles, reorders and returns within 8,000 events: the demo profile as it
// is, and the quiet shop over about eight simulated hours.
describe.each([
  ['demo', 'demo'],
  ['shop, made quiet', QUIET_SHOP],
] as const)('stories (profile %s)', (_name, profile) => {
  const all = generate(8_000, { profile });
  const stream = events(all);
  const orders = stream.filter((e): e is OrderEvent => e.event_type === 'order');
  const inventory = stream.filter((e): e is InventoryEvent => e.event_type === 'inventory');
  const activity = stream.filter((e): e is UserActivityEvent => e.event_type === 'user_activity');

  it('every id joins to the reference universe, with its reference name and price', () => {
    const customers = new Set(universe.customers.map((c) => c.customer_id));
    const products = new Map(universe.products.map((p) => [p.product_id, p]));
    const warehouses = new Set(universe.warehouses.map((w) => w.warehouse_id));
    for (const e of activity) expect(customers.has(e.user_id)).toBe(true);
    for (const e of inventory) {
      expect(products.has(e.product_id)).toBe(true);
      expect(warehouses.has(e.warehouse_id)).toBe(true);
    }
    for (const e of orders) {
      expect(customers.has(e.customer_id)).toBe(true);
      const customer = universe.customers.find((c) => c.customer_id === e.customer_id)!;
      expect(e.shipping_address).toEqual({
        street: customer.street,
        city: customer.city,
        country: customer.country,
      });
      for (const item of e.items) {
        const product = products.get(item.product_id);
        expect(product).toBeDefined();
        expect(item.product_name).toBe(product!.product_name);
        expect(item.price).toBe(product!.price);
      }
    }
  });

  it('total_amount is Σ quantity × price rounded to cents', () => {
    expect(orders.length).toBeGreaterThan(50);
    for (const e of orders) {
      const sum = e.items.reduce((s, item) => s + item.quantity * item.price, 0);
      expect(e.total_amount).toBe(Math.round(sum * 100) / 100);
    }
  });

  it('each order moves pending → processing → shipped → delivered with increasing times and the same content', () => {
    const byId = new Map<string, OrderEvent[]>();
    for (const e of orders) byId.set(e.order_id, [...(byId.get(e.order_id) ?? []), e]);
    const lifecycle = ['pending', 'processing', 'shipped', 'delivered'];
    let delivered = 0;
    for (const history of byId.values()) {
      expect(history.map((e) => e.status)).toEqual(lifecycle.slice(0, history.length));
      for (let i = 1; i < history.length; i++) {
        expect(Date.parse(history[i]!.order_date)).toBeGreaterThan(Date.parse(history[i - 1]!.order_date));
        expect({ ...history[i]!, status: '', order_date: '' }).toEqual({
          ...history[0]!,
          status: '',
          order_date: '',
        });
      }
      if (history.length === 4) delivered++;
    }
    expect(delivered).toBeGreaterThan(byId.size / 2);
  });

  it('each order item leaves stock as a sale of its quantity when the order is placed', () => {
    const sales = new Map<string, number>();
    for (const e of inventory)
      if (e.reason === 'sale') {
        expect(e.quantity_change).toBeLessThan(0);
        const key = `${e.timestamp}|${e.product_id}|${-e.quantity_change}`;
        sales.set(key, (sales.get(key) ?? 0) + 1);
      }
    let lines = 0;
    for (const e of orders.filter((o) => o.status === 'pending'))
      for (const item of e.items) {
        const key = `${e.order_date}|${item.product_id}|${item.quantity}`;
        expect(sales.get(key) ?? 0, key).toBeGreaterThan(0);
        sales.set(key, sales.get(key)! - 1);
        lines++;
      }
    // Every sale belongs to an order line.
    expect([...sales.values()].every((n) => n === 0)).toBe(true);
    expect(lines).toBeGreaterThan(0);
  });

  it('stock per product and warehouse never goes negative, and restocks, returns and damage occur', () => {
    const stock = new Map<string, number>();
    const reasons = new Set<string>();
    for (const e of inventory) {
      const key = `${e.product_id}|${e.warehouse_id}`;
      const next = (stock.get(key) ?? 0) + e.quantity_change;
      expect(next, key).toBeGreaterThanOrEqual(0);
      stock.set(key, next);
      reasons.add(e.reason);
      expect(Math.abs(e.quantity_change)).toBeLessThanOrEqual(100);
      if (e.reason === 'restock' || e.reason === 'return') expect(e.quantity_change).toBeGreaterThan(0);
      else expect(e.quantity_change).toBeLessThan(0);
    }
    expect([...reasons].sort()).toEqual(['damage', 'restock', 'return', 'sale']);
  });

  it('a session keeps one user, platform, user agent and IP, and runs from login to logout', () => {
    const sessions = new Map<string, UserActivityEvent[]>();
    for (const e of activity)
      sessions.set(e.metadata.session_id, [...(sessions.get(e.metadata.session_id) ?? []), e]);
    expect(sessions.size).toBeGreaterThan(100);
    let complete = 0;
    for (const events of sessions.values()) {
      const first = events[0]!;
      expect(first.activity_type).toBe('login');
      expect(events.filter((e) => e.activity_type === 'login')).toHaveLength(1);
      for (const e of events) {
        expect([e.user_id, e.metadata.platform, e.user_agent, e.ip_address]).toEqual([
          first.user_id,
          first.metadata.platform,
          first.user_agent,
          first.ip_address,
        ]);
      }
      for (let i = 1; i < events.length; i++)
        expect(Date.parse(events[i]!.timestamp)).toBeGreaterThan(Date.parse(events[i - 1]!.timestamp));
      if (events.at(-1)!.activity_type === 'logout') complete++;
    }
    expect(complete).toBeGreaterThan(sessions.size * 0.9);
  });

  it('an order is placed inside a session of its customer whose cart holds exactly its products', () => {
    const sessions = new Map<string, UserActivityEvent[]>();
    for (const e of activity)
      sessions.set(e.metadata.session_id, [...(sessions.get(e.metadata.session_id) ?? []), e]);
    let overlapping = 0;
    const placed = orders.filter((o) => o.status === 'pending');
    for (const order of placed) {
      const at = Date.parse(order.order_date);
      // A customer may have two sessions open at once (a phone and a laptop): one of them checked out.
      // A session still open where the stream ends has no logout yet.
      const open = [...sessions.values()].filter((s) => {
        const logout = s.find((e) => e.activity_type === 'logout');
        return (
          s[0]!.user_id === order.customer_id &&
          Date.parse(s[0]!.timestamp) < at &&
          (logout === undefined || Date.parse(logout.timestamp) > at)
        );
      });
      if (open.length > 1) overlapping++;
      const carts = open.map((session) => {
        const before = session.filter((e) => Date.parse(e.timestamp) < at);
        return (
          before.filter((e) => e.activity_type === 'add_to_cart').length -
          before.filter((e) => e.activity_type === 'remove_from_cart').length
        );
      });
      expect(carts, order.order_id).toContain(order.items.length);
    }
    expect(placed.length).toBeGreaterThan(50);
    expect(overlapping).toBeLessThan(placed.length / 10);
  });

  it('event times never go backwards', () => {
    const times = stream.map(timeOf);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  });
});

describe('wall clock', () => {
  it('gives every event its own bytes, even many per millisecond', () => {
    const all = generate(20_000, { clock: 'wall' });
    expect(new Set(all.map((m) => m.data.toString())).size).toBe(all.length);
  });

  it('stamps every event with the time it was generated', () => {
    const before = Date.now();
    const stream = events(generate(2_000, { clock: 'wall', invalidRatio: 0.1 }));
    const after = Date.now();
    for (const e of stream) {
      expect(timeOf(e)).toBeGreaterThanOrEqual(before);
      expect(timeOf(e)).toBeLessThanOrEqual(after);
    }
  });
});

describe('options', () => {
  it('rejects an invalid ratio, seed, start or profile, naming it', () => {
    const make = (o: object) => () => new TrafficGenerator({ seed: 1, universe, ...o });
    expect(make({ invalidRatio: 1.5 })).toThrow(/invalidRatio/);
    expect(make({ invalidRatio: -0.1 })).toThrow(/invalidRatio/);
    expect(make({ seed: 1.5 })).toThrow(/seed/);
    expect(make({ start: new Date('nope') })).toThrow(/start/);
    expect(make({ profile: { sessionsPerSecond: 0 } })).toThrow(/sessionsPerSecond/);
    expect(make({ profile: { checkoutProbability: 2 } })).toThrow(/checkoutProbability/);
    expect(make({ profile: { shippedAfterSeconds: [10, 5] } })).toThrow(/shippedAfterSeconds/);
    expect(make({ profile: 'fancy' })).toThrow(/no profile named "fancy"/);
    expect(make({ clock: 'wall', timeScale: 0 })).toThrow(/timeScale/);
    // A time scale speeds up live traffic; a simulated-clock run has its own clock.
    expect(make({ timeScale: 60 })).toThrow(/timeScale applies to live traffic/);
    expect(make({ universe: { ...universe, products: [] } })).toThrow(/universe/);
  });

  it('invalidRatio 1 makes every message invalid', () => {
    const all = generate(500, { invalidRatio: 1 });
    expect(all.every((m) => m.eventType === null && m.expectedCode !== undefined)).toBe(true);
  });
});
