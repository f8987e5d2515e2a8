import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../src/bus/message-bus.js';
import { openBus } from '../../src/bus/open-bus.js';
import { eventIdOf } from '../../src/contract/event-id.js';
import type { DeadLetterRecord } from '../../src/pipeline/dead-letter-record.js';
import { TABLE_OF_TYPE } from '../../src/warehouse/rows.js';
import { snapshotViews, queryRows } from '../archive/view-snapshot.js';
import { lakeDirOf } from '../support/check-outcome.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { lakeLines } from '../support/read-lake.js';
import { drainInProcess } from '../support/run-pipeline-in-process.js';
import { runCli } from '../support/run-cli.js';

const ENUM_CODE = 'SHOP_E_FIELD_ENUM';
const PROBE = 'replay-probe';

/**
 * The fix module under test: repairs one kind of bad message, an enum value in the wrong case
 * (`Shipped`, `PENDING`, `Restock`, `Login`, `Web`), and leaves every other record alone.
 */
const FIX_MODULE = `
const ENUMS = {
  status: ['pending', 'processing', 'shipped', 'delivered'],
  reason: ['restock', 'sale', 'return', 'damage'],
  activity_type: ['login', 'logout', 'view_product', 'add_to_cart', 'remove_from_cart'],
  platform: ['web', 'mobile', 'tablet'],
};

function lowerCased(object, field) {
  const value = object?.[field];
  if (typeof value !== 'string' || value === value.toLowerCase()) return undefined;
  return ENUMS[field].includes(value.toLowerCase()) ? value.toLowerCase() : undefined;
}

export default function fix(payload) {
  if (typeof payload !== 'object' || payload === null) return null;
  for (const field of ['status', 'reason', 'activity_type']) {
    const fixed = lowerCased(payload, field);
    if (fixed) return { ...payload, [field]: fixed };
  }
  const platform = lowerCased(payload.metadata, 'platform');
  if (platform) return { ...payload, metadata: { ...payload.metadata, platform } };
  return null;
}
`;

interface ReplayResult {
  replayed: number;
  skippedByFix: number;
  alreadyReplayed: number;
}

function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** Receives everything on a subscription until `idleMs` passes without a message; acks it all. */
async function receiveAll(
  stack: LocalStack,
  subscription: string,
  idleMs = 1_500,
): Promise<ReceivedMessage[]> {
  const bus = await openBus(stack.config.bus);
  await bus.start();
  const received: ReceivedMessage[] = [];
  let last = Date.now();
  const subscriber = bus.subscribe(subscription, (message) => {
    received.push(message);
    last = Date.now();
    message.ack();
  });
  while (Date.now() - last < idleMs) await new Promise((resolve) => setTimeout(resolve, 100));
  await subscriber.close();
  await bus.close();
  return received;
}

/**
 * `shopstream dlq list | show | replay` on the local stack, after the pipeline has dead-lettered a
 * generated mix: counts match the DLQ, a fix module turns bad records into rows, replays are linked
 * to their originals and never duplicate a row in the views.
 */
describe('shopstream dlq', () => {
  let stack: LocalStack;
  let mix: PublishedMix;
  let dlq: DeadLetterRecord[];
  let fixPath: string;
  let fix: (payload: unknown) => unknown;
  /** The DLQ records the fix repairs (one per event_id), with the bytes it makes of them. */
  let fixable: { record: DeadLetterRecord; fixed: Buffer }[];

  beforeAll(async () => {
    stack = await createLocalStack();
    const bus = await openBus(stack.config.bus);
    await bus.start();
    mix = await publishMix(bus, stack.config.topic, { count: 3_000, invalidRatio: 0.2, seed: 21 });
    await bus.close();
    await drainInProcess(stack.config);
    dlq = lakeLines(lakeDirOf(stack.dir), 'output/errors').map(
      (line) => JSON.parse(line) as DeadLetterRecord,
    );

    fixPath = join(stack.dir, 'fix.mjs');
    writeFileSync(fixPath, FIX_MODULE);
    fix = ((await import(pathToFileURL(fixPath).href)) as { default: typeof fix }).default;
    const seen = new Set<string>();
    fixable = [];
    for (const record of dlq) {
      if (record.error.code !== ENUM_CODE || seen.has(record.event_id)) continue;
      seen.add(record.event_id);
      const fixed = fix(JSON.parse(record.payload));
      if (fixed !== null) fixable.push({ record, fixed: Buffer.from(JSON.stringify(fixed)) });
    }
    // A subscription of our own on the topic sees exactly what replays publish.
    const admin = await openBus(stack.config.bus);
    await admin.start();
    await admin.ensureSubscription({ name: PROBE, topic: stack.config.topic });
    await admin.close();
  }, 120_000);
  afterAll(() => stack?.remove());

  it('list counts DLQ records by day and error code, as stored in the DLQ', async () => {
    expect(dlq).toHaveLength(mix.invalidMessages);
    const result = await runCli([...stack.flags, 'dlq', 'list']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('day\tcode\tcount');
    const expected = new Map<string, number>();
    for (const r of dlq) {
      const key = `${r.ingestion_time.slice(0, 10)}\t${r.error.code}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const listed = new Map(
      lines.slice(1, -1).map((line) => {
        const [day, code, count] = line.split('\t');
        return [`${day}\t${code}`, Number(count)] as const;
      }),
    );
    expect(listed).toEqual(expected);
    expect(lines.at(-1)).toBe(`total\t\t${dlq.length}`);
    // The generated mix breaks the contract in many ways.
    expect(new Set(dlq.map((r) => r.error.code)).size).toBeGreaterThan(10);
  });

  it('show --code C --limit N prints N records of that code', async () => {
    const ofCode = dlq.filter((r) => r.error.code === ENUM_CODE);
    expect(ofCode.length).toBeGreaterThan(3);
    const result = await runCli([...stack.flags, 'dlq', 'show', '--code', ENUM_CODE, '--limit', '3']);
    expect(result.code, result.stderr).toBe(0);
    const shown = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DeadLetterRecord & { file: string });
    expect(shown).toHaveLength(3);
    const ids = new Set(ofCode.map((r) => r.event_id));
    for (const record of shown) {
      expect(record.error.code).toBe(ENUM_CODE);
      expect(ids.has(record.event_id)).toBe(true);
      expect(record.file).toMatch(/^output\/errors\//);
    }
    const all = await runCli([...stack.flags, 'dlq', 'show', '--code', ENUM_CODE, '--limit', '100000']);
    expect(all.stdout.trim().split('\n')).toHaveLength(ofCode.length);
  });

  it('replay --dry-run counts what it would replay and publishes nothing', async () => {
    const result = await runCli([
      ...stack.flags,
      'dlq',
      'replay',
      '--code',
      ENUM_CODE,
      '--fix',
      fixPath,
      '--dry-run',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const enumEvents = new Set(dlq.filter((r) => r.error.code === ENUM_CODE).map((r) => r.event_id)).size;
    expect(lastJson<ReplayResult>(result.stdout)).toEqual({
      replayed: fixable.length,
      skippedByFix: enumEvents - fixable.length,
      alreadyReplayed: 0,
      interrupted: false,
    });
    expect(await receiveAll(stack, PROBE, 1_000)).toEqual([]);
    expect(existsSync(join(lakeDirOf(stack.dir), 'dlq-replays'))).toBe(false);
  });

  it('replay --fix re-publishes the repaired records linked to their originals, and they become rows', async () => {
    expect(fixable.length).toBeGreaterThan(3);
    const result = await runCli([...stack.flags, 'dlq', 'replay', '--code', ENUM_CODE, '--fix', fixPath]);
    expect(result.code, result.stderr).toBe(0);
    expect(lastJson<ReplayResult>(result.stdout)).toMatchObject({
      replayed: fixable.length,
      alreadyReplayed: 0,
    });

    const replayed = await receiveAll(stack, PROBE);
    const expected = fixable.map(({ record, fixed }) => ({
      data: fixed.toString('hex'),
      replayOf: record.message_id,
      replayEventId: record.event_id,
      replayCode: ENUM_CODE,
    }));
    const got = replayed.map((m) => ({
      data: m.data.toString('hex'),
      replayOf: m.attributes.shopstream_replay_of,
      replayEventId: m.attributes.shopstream_replay_event_id,
      replayCode: m.attributes.shopstream_replay_code,
    }));
    const byData = (a: { data: string }, b: { data: string }): number => (a.data < b.data ? -1 : 1);
    expect(got.sort(byData)).toEqual(expected.sort(byData));

    await drainInProcess(stack.config);
    for (const { fixed } of fixable) {
      const event = JSON.parse(fixed.toString()) as { event_type: 'order' | 'inventory' | 'user_activity' };
      const table = TABLE_OF_TYPE[event.event_type];
      const rows = await queryRows(
        stack.config,
        `SELECT count(*) AS n FROM ${table}_dedup WHERE event_id = '${eventIdOf(fixed)}'`,
      );
      expect(Number(rows[0]!.n), `${table} ${fixed.toString()}`).toBe(1);
    }
  });

  it('replaying the same records again publishes nothing (the ledger), and --force adds no row to any view', async () => {
    const again = await runCli([...stack.flags, 'dlq', 'replay', '--code', ENUM_CODE, '--fix', fixPath]);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson<ReplayResult>(again.stdout)).toMatchObject({
      replayed: 0,
      alreadyReplayed: fixable.length,
    });
    expect(await receiveAll(stack, PROBE, 1_000)).toEqual([]);

    const before = await snapshotViews(stack.config);
    const forced = await runCli([
      ...stack.flags,
      'dlq',
      'replay',
      '--code',
      ENUM_CODE,
      '--fix',
      fixPath,
      '--force',
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(lastJson<ReplayResult>(forced.stdout)).toMatchObject({ replayed: fixable.length });
    expect((await receiveAll(stack, PROBE)).length).toBe(fixable.length);
    await drainInProcess(stack.config);
    // The same fix gives the same bytes, so the same event_id: two raw rows, one row in every view.
    const ids = fixable.map(({ fixed }) => `'${eventIdOf(fixed)}'`).join(', ');
    const raw = await queryRows(
      stack.config,
      `SELECT count(*) AS n FROM (SELECT event_id FROM orders UNION ALL SELECT event_id FROM inventory UNION ALL SELECT event_id FROM user_activity) WHERE event_id IN (${ids})`,
    );
    expect(Number(raw[0]!.n)).toBe(2 * fixable.length);
    expect(await snapshotViews(stack.config)).toEqual(before);
  });

  it('a --fix module that cannot be loaded, or exports no function, exits 2 with a clear message', async () => {
    const missing = join(stack.dir, 'no-such-fix.mjs');
    const result = await runCli([...stack.flags, 'dlq', 'replay', '--fix', missing]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`SHOP_E_USAGE: --fix ${missing}: cannot load the module`);

    const notAFunction = join(stack.dir, 'not-a-function.mjs');
    writeFileSync(notAFunction, 'export const answer = 42;\n');
    const second = await runCli([...stack.flags, 'dlq', 'replay', '--fix', notAFunction]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('the module must export a function (default or named "fix")');
    expect(await receiveAll(stack, PROBE, 500)).toEqual([]);
  });
});
