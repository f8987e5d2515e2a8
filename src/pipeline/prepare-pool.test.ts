import { afterEach, describe, expect, it } from 'vitest';
import { buildReferenceUniverse } from '../generator/reference-universe.js';
import { TrafficGenerator } from '../generator/traffic-generator.js';
import { PreparePool } from './prepare-pool.js';
import { eventTypeOfOutcome } from './prepared-batch.js';

const generator = new TrafficGenerator({
  seed: 7,
  universe: buildReferenceUniverse({ seed: 42 }),
  clock: 'wall',
});
const publishTime = new Date('2026-11-26T08:00:00.123Z');
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('PreparePool', () => {
  let pool: PreparePool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('checks a batch on a worker thread: every message has its outcome, lake line and row, or its DLQ reason', async () => {
    pool = new PreparePool(1, {});
    const events = Array.from({ length: 500 }, () => generator.next().data);
    const bad = [
      Buffer.from('{"event_type":"order"'),
      Buffer.from('{"event_type":"refund"}'),
      Buffer.alloc(0),
    ];
    const unknownField = Buffer.from(text(events[0]!).replace(/^\{/, '{"coupon":"X",'));
    const messages = [...events, ...bad, unknownField].map((data) => ({ data, publishTime }));

    const prepared = await pool.prepare(messages);

    expect(prepared.outcomes).toHaveLength(messages.length);
    expect(prepared.rejected.map((r) => [r.index, r.failure.code])).toEqual([
      [500, 'SHOP_E_DECODE_JSON'],
      [501, 'SHOP_E_EVENT_TYPE_UNKNOWN'],
      [502, 'SHOP_E_DECODE_EMPTY'],
    ]);
    const types = [...prepared.outcomes].map(eventTypeOfOutcome);
    for (const [i, data] of events.entries())
      expect(types[i]).toBe((JSON.parse(text(data)) as { event_type: string }).event_type);
    // The lake files hold exactly the accepted payloads, byte for byte, each once.
    const lakeLines = prepared.lakeFiles.flatMap((f) => text(f.bytes).split('\n').slice(0, -1));
    expect(lakeLines.sort()).toEqual([...events, unknownField].map(text).sort());
    expect(prepared.lakeFiles.reduce((sum, f) => sum + f.records, 0)).toBe(501);
    // One row per accepted event, with its event_id and publish time, and without the unknown field.
    const rows = prepared.tables.flatMap((t) =>
      text('ndjson' in t ? t.ndjson : new Uint8Array())
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l)),
    );
    expect(rows).toHaveLength(501);
    expect(
      rows.every((r) => /^[0-9a-f]{32}$/.test(r.event_id) && r.publish_time === publishTime.toISOString()),
    ).toBe(true);
    expect(rows.some((r) => 'coupon' in r)).toBe(false);
    expect(
      prepared.unknownFields[(JSON.parse(text(unknownField)) as { event_type: 'order' }).event_type],
    ).toBe(1);
  });

  it('fails the batches of a worker that dies, and prepares the next ones on a new worker', async () => {
    pool = new PreparePool(1, {});
    const messages = Array.from({ length: 20_000 }, () => ({ data: generator.next().data, publishTime }));
    const pending = pool.prepare(messages);
    await (
      pool as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }
    ).workers[0]!.worker.terminate();
    await expect(pending).rejects.toMatchObject({ code: 'SHOP_E_INTERNAL' });

    const next = await pool.prepare(messages.slice(0, 10));
    expect([...next.outcomes].every((o) => o > 0)).toBe(true);
  });

  it('refuses work once closed', async () => {
    pool = new PreparePool(1, {});
    await pool.close();
    await expect(pool.prepare([{ data: generator.next().data, publishTime }])).rejects.toMatchObject({
      code: 'SHOP_E_INTERNAL',
    });
  });
});
