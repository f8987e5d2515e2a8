import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { sentOrders, writeArchiveFile, type SentOrder } from './evolved-contract.js';

// `shopstream contract suggest` on a lake the real pipeline path wrote (a backfill with the project's
// contract): producers sent fields the contract does not name, and enum values it refuses.

const dir = mkdtempSync(join(tmpdir(), 'contract-suggest-'));
const targets = ['--warehouse', `duckdb:${join(dir, 'w.duckdb')}`, '--lake', `file:${join(dir, 'lake')}`];

function activity(
  i: number,
  extra: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): SentOrder {
  const event = {
    event_type: 'user_activity',
    user_id: randomUUID(),
    activity_type: 'login',
    ip_address: '10.0.0.1',
    user_agent: 'test',
    timestamp: `2025-03-01T10:${String(i % 60).padStart(2, '0')}:00Z`,
    metadata: { session_id: randomUUID(), platform: 'web', ...metadata },
    ...extra,
  };
  return { payload: Buffer.from(JSON.stringify(event)), orderId: '', coupon: null };
}

beforeAll(async () => {
  const events = [
    ...sentOrders(10), // every other one with coupon_code, items[].discount, shipping_address.postal_code
    ...Array.from({ length: 8 }, (_, i) =>
      activity(
        i,
        {
          referrer_id: randomUUID(),
          seen_at: '2025-03-01T09:00:00+01:00',
          ...(i < 3 ? { mixed: [1, 'one', null][i] } : {}),
        },
        { app_version: `4.${i}` },
      ),
    ),
    activity(8, { activity_type: 'share' }),
    activity(9, { activity_type: 'share' }),
    activity(10, { activity_type: 'wishlist' }),
  ];
  writeArchiveFile(join(dir, 'backup'), '2025-03-01T10:00:00Z', events);
  expect((await runCli(['setup', '--skip-bus', ...targets])).code).toBe(0);
  const backfill = await runCli([
    'backfill',
    '--from',
    join(dir, 'backup'),
    '--checkpoint',
    join(dir, 'cp.json'),
    ...targets,
  ]);
  expect(JSON.parse(backfill.stdout)).toMatchObject({ accepted: 18, deadLettered: 3 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shopstream contract suggest', () => {
  it('reports each field beyond the contract with its frequency and types, and proposes typed optional properties', async () => {
    const result = await runCli(['contract', 'suggest', '--format', 'json', ...targets]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.eventsRead).toEqual({ order: 10, inventory: 0, user_activity: 8 });
    expect(report.source).toMatchObject({ deadLetters: 3 });
    const field = (path: string) => report.fields.find((f: { path: string }) => f.path === path);
    expect(field('coupon_code')).toMatchObject({
      eventType: 'order',
      events: 5,
      ofEvents: 10,
      types: { string: 5 },
      under: 'properties',
      schema: { type: 'string', maxLength: 64 },
    });
    expect(field('items[].discount')).toMatchObject({
      events: 5,
      types: { number: 5 },
      under: 'properties.items.items.properties',
      schema: { type: 'number' },
    });
    expect(field('shipping_address.postal_code')).toMatchObject({
      under: 'properties.shipping_address.properties',
    });
    expect(field('metadata.app_version')).toMatchObject({
      eventType: 'user_activity',
      events: 8,
      ofEvents: 8,
      schema: { type: 'string' },
    });
    expect(field('referrer_id').schema).toMatchObject({ $ref: 'common.schema.json#/$defs/uuid' });
    expect(field('seen_at').schema).toMatchObject({ $ref: 'common.schema.json#/$defs/timestamp' });
    expect(field('mixed')).toMatchObject({ events: 3, types: { integer: 1, string: 1, null: 1 } });
    expect(field('mixed').schema).toBeUndefined();
    expect(field('mixed').notes).toEqual([
      'sent as null 1 time: a typed field refuses null (SHOP_E_FIELD_MISSING); producers should leave it out instead',
      'mixed types (integer ×1, null ×1, string ×1): agree on one with the producers first',
    ]);
    expect(field('coupon_code').schema.description).toMatch(
      /^TODO: what it means \(seen in 50\.0% of order events\)/,
    );
    expect(report.enums).toEqual([
      {
        eventType: 'user_activity',
        path: 'activity_type',
        file: 'user_activity.schema.json',
        under: 'properties.activity_type.enum',
        values: [
          { value: 'share', events: 2 },
          { value: 'wishlist', events: 1 },
        ],
      },
    ]);
  });

  it('prints the same as text, with the additions to paste', async () => {
    const result = await runCli(['contract', 'suggest', ...targets]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /\+ coupon_code\s+in 5 of 10 events \(50\.0%\); string ×5; e\.g\. "SPRING-\d"/,
    );
    expect(result.stdout).toContain(
      '~ activity_type: dead-lettered for values not in its enum: "share" ×2, "wishlist" ×1',
    );
    expect(result.stdout).toContain('schemas/order.schema.json, in properties.items.items.properties:');
    expect(result.stdout).toContain('"discount": {"type":"number","description":"TODO');
  });
});
