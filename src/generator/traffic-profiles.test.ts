import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventType, ShopEvent } from '../contract/event-types.js';
import { projectRoot } from '../util/project-root.js';
import type { GeneratedMessage } from './generated-message.js';
import { buildReferenceUniverse } from './reference-universe.js';
import { TrafficGenerator, type TrafficGeneratorOptions } from './traffic-generator.js';
import {
  TRAFFIC_PROFILE_FIELDS,
  compileTrafficProfile,
  timeScaledTrafficProfile,
  trafficProfileProblem,
} from './traffic-profile.js';
import { DEMO_TRAFFIC_PROFILE, SHOP_TRAFFIC_PROFILE } from './traffic-profiles.js';

const universe = buildReferenceUniverse({ seed: 42 });
const SEEDS = [1, 2, 3, 7, 11];

function take(count: number, options: Partial<TrafficGeneratorOptions>): GeneratedMessage[] {
  return new TrafficGenerator({ seed: 1, universe, ...options }).take(count);
}

const parse = (m: GeneratedMessage): ShopEvent => JSON.parse(m.data.toString('utf8')) as ShopEvent;
const timeOf = (e: ShopEvent): number => Date.parse(e.event_type === 'order' ? e.order_date : e.timestamp);

/** Shares of each event type in every window of `size` messages, `step` apart. */
function windowShares(messages: readonly GeneratedMessage[], size: number, step: number) {
  const shares: Record<EventType, number>[] = [];
  for (let start = 0; start + size <= messages.length; start += step) {
    const counts = { order: 0, inventory: 0, user_activity: 0 };
    for (let i = start; i < start + size; i++) counts[messages[i]!.eventType!]++;
    shares.push({
      order: counts.order / size,
      inventory: counts.inventory / size,
      user_activity: counts.user_activity / size,
    });
  }
  return shares;
}

/** Of the orders placed in `events`, the share that reached each status there, and the returns seen. */
function lifecycleShares(events: readonly ShopEvent[]) {
  const reached = new Map<string, Set<string>>();
  let returns = 0;
  for (const e of events) {
    if (e.event_type === 'order') {
      if (e.status === 'pending') reached.set(e.order_id, new Set());
      reached.get(e.order_id)?.add(e.status);
    }
    if (e.event_type === 'inventory' && e.reason === 'return') returns++;
  }
  const orders = [...reached.values()];
  const share = (status: string): number => orders.filter((s) => s.has(status)).length / orders.length;
  return {
    orders: orders.length,
    processing: share('processing'),
    shipped: share('shipped'),
    delivered: share('delivered'),
    returns,
  };
}

describe('the demo profile (the default)', () => {
  it('gives every event type at least 10 % of every run of 2,000 events, from the first on', () => {
    for (const seed of SEEDS) {
      const shares = windowShares(take(60_000, { seed }), 2_000, 500);
      for (const type of ['order', 'inventory', 'user_activity'] as const) {
        const least = Math.min(...shares.map((s) => s[type]));
        expect(least, `seed ${seed}: ${type}`).toBeGreaterThanOrEqual(0.1);
      }
    }
  });

  it('takes most orders of its first 3,000 events through processing, shipping and delivery, and sends some back', () => {
    for (const seed of SEEDS) {
      const life = lifecycleShares(take(3_000, { seed }).map(parse));
      expect(life.orders, `seed ${seed}`).toBeGreaterThan(100);
      for (const status of ['processing', 'shipped', 'delivered'] as const)
        expect(life[status], `seed ${seed}: ${status}`).toBeGreaterThanOrEqual(0.5);
      expect(life.returns, `seed ${seed}: returns`).toBeGreaterThan(0);
    }
  });

  it('is what a generator uses unless told otherwise', () => {
    const byDefault = take(2_000, {});
    const named = take(2_000, { profile: 'demo' });
    expect(Buffer.concat(byDefault.map((m) => m.data)).equals(Buffer.concat(named.map((m) => m.data)))).toBe(
      true,
    );
  });

  it('spreads 3,000 events over a few simulated minutes', () => {
    const events = take(3_000, {}).map(parse);
    const minutes = (timeOf(events.at(-1)!) - timeOf(events[0]!)) / 60_000;
    expect(minutes).toBeGreaterThan(1);
    expect(minutes).toBeLessThan(10);
  });
});

describe('the shop profile', () => {
  it('is the realistic busy shop of before, byte for byte', () => {
    // The SHA-256 of seed 7's first 20,000 messages (5 % invalid) from the generator before profiles
    // existed, when this shop was its only behaviour.
    const digest = createHash('sha256');
    for (const message of take(20_000, { seed: 7, invalidRatio: 0.05, profile: 'shop' }))
      digest.update(message.data).update('\n');
    expect(digest.digest('hex')).toBe('6c41279500c1ed86088b9f9a1d664cf0d4c4677c3d577dbc32c5d2106974b8d2');
  });

  it('is nearly all user activity, at about 200 events per simulated second', () => {
    const messages = take(20_000, { profile: 'shop' });
    const [all] = windowShares(messages, messages.length, messages.length);
    expect(all!.user_activity).toBeGreaterThan(0.9);
    expect(all!.order).toBeGreaterThan(0);
    expect(all!.inventory).toBeGreaterThan(0);
    const events = messages.map(parse);
    const perSecond = 20_000 / ((timeOf(events.at(-1)!) - timeOf(events[0]!)) / 1000);
    expect(perSecond).toBeGreaterThan(80);
    expect(perSecond).toBeLessThan(500);
  });

  it('moves no order past pending within 3,000 events: its lifecycles take hours', () => {
    for (const seed of SEEDS) {
      const life = lifecycleShares(take(3_000, { seed, profile: 'shop' }).map(parse));
      expect(life.orders, `seed ${seed}`).toBeGreaterThan(0);
      expect(life.processing, `seed ${seed}`).toBe(0);
    }
  });
});

describe('time scale (live traffic)', () => {
  const live = (timeScale: number, profile: 'demo' | 'shop') => {
    const start = new Date();
    const generator = new TrafficGenerator({ seed: 5, universe, clock: 'wall', start, profile, timeScale });
    const events = generator.take(20_000).map(parse);
    return { events, simulatedMs: generator.simulatedTimeMs - start.getTime(), generatedBy: Date.now() };
  };

  it("shows the shop's whole lifecycles, returns included, in 20,000 events at time scale 3600", () => {
    expect(lifecycleShares(live(1, 'shop').events).delivered).toBe(0);
    const fast = live(3600, 'shop');
    const life = lifecycleShares(fast.events);
    expect(life.delivered).toBeGreaterThanOrEqual(0.5);
    expect(life.returns).toBeGreaterThan(0);
    // Event times stay the wall clock: never in the future, never going backwards.
    const times = fast.events.map(timeOf);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(Math.max(...times)).toBeLessThanOrEqual(fast.generatedBy);
  });

  it('makes the same number of events cover many times more simulated time', () => {
    const normal = live(1, 'demo').simulatedMs;
    const fast = live(60, 'demo').simulatedMs;
    // Not exactly 60: the first sessions and orders fill the shop at their own pace.
    expect(fast / normal).toBeGreaterThan(30);
    expect(fast / normal).toBeLessThan(90);
  });

  it('slows the arrivals, and only them', () => {
    const scaled = timeScaledTrafficProfile(SHOP_TRAFFIC_PROFILE, 100);
    expect(scaled).toEqual({
      ...SHOP_TRAFFIC_PROFILE,
      sessionsPerSecond: SHOP_TRAFFIC_PROFILE.sessionsPerSecond / 100,
      damagesPerSecond: SHOP_TRAFFIC_PROFILE.damagesPerSecond / 100,
    });
    expect(timeScaledTrafficProfile(SHOP_TRAFFIC_PROFILE, 1)).toBe(SHOP_TRAFFIC_PROFILE);
    expect(() => timeScaledTrafficProfile(SHOP_TRAFFIC_PROFILE, 0)).toThrow(/timeScale/);
  });
});

describe('profile fields', () => {
  it('names the first bad or unknown field and what it expects', () => {
    expect(trafficProfileProblem(DEMO_TRAFFIC_PROFILE)).toBeUndefined();
    expect(trafficProfileProblem({ checkoutProbability: 1.5 })).toEqual({
      key: 'checkoutProbability',
      problem: 'must be a number from 0 to 1',
    });
    expect(trafficProfileProblem({ shippedAfterSeconds: [60] })?.key).toBe('shippedAfterSeconds');
    expect(trafficProfileProblem({ sessionsPerSecond: '2' })?.key).toBe('sessionsPerSecond');
    expect(trafficProfileProblem({ restockTargetFactor: 1 })?.problem).toBe('must be a number ≥ 2');
    expect(trafficProfileProblem({ sesionsPerSecond: 2 })).toEqual({
      key: 'sesionsPerSecond',
      problem: 'is not a profile field',
    });
    expect(trafficProfileProblem({ toString: 2 })?.problem).toBe('is not a profile field');
  });

  it('compiles overrides over a base profile, frozen', () => {
    const quiet = compileTrafficProfile({ sessionsPerSecond: 0.5 }, SHOP_TRAFFIC_PROFILE);
    expect(quiet).toEqual({ ...SHOP_TRAFFIC_PROFILE, sessionsPerSecond: 0.5 });
    expect(Object.isFrozen(quiet)).toBe(true);
    expect(() => compileTrafficProfile({ deliveredAfterSeconds: [0, 5] }, SHOP_TRAFFIC_PROFILE)).toThrow(
      /deliveredAfterSeconds must be \[min, max\]/,
    );
  });
});

describe('docs/traffic-profiles.md', () => {
  const doc = readFileSync(join(projectRoot(), 'docs/traffic-profiles.md'), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| `(\w+)` \| (.+?) \| (.+?) \| `(.+?)` \| `(.+?)` \|$/gm)].map((m) => [
      m[1]!,
      { expected: m[3]!, demo: m[4]!, shop: m[5]! },
    ]),
  );

  it.each(Object.entries(TRAFFIC_PROFILE_FIELDS))(
    'documents %s with its values and both profiles’ settings',
    (key, field) => {
      const row = rows.get(key);
      expect(row, key).toBeDefined();
      expect(row!.expected).toBe(field.expected);
      const of = (profile: object): string =>
        JSON.stringify((profile as Record<string, unknown>)[key]).replaceAll(',', ', ');
      expect(row!.demo).toBe(of(DEMO_TRAFFIC_PROFILE));
      expect(row!.shop).toBe(of(SHOP_TRAFFIC_PROFILE));
    },
  );

  it('documents no field the profiles do not have', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(TRAFFIC_PROFILE_FIELDS).sort());
  });
});
