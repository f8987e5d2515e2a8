import { describe, expect, it } from 'vitest';
import { Ledger } from './ledger.js';
import { lakePrefixes } from './lake-side.js';
import { compileReconcileOptions } from './reconcile-options.js';
import { bucketLabel, bucketStart } from './time-bucket.js';

const at = (iso: string): number => Date.parse(iso);
const ledgerOf = (from: string, to: string, by: 'minute' | 'hour' | 'day' = 'hour'): Ledger =>
  new Ledger(compileReconcileOptions({ from: new Date(from), to: new Date(to), by, limit: 5 }));

describe('Ledger', () => {
  it('balances when every archived id is stored or dead-lettered and the lake holds the stored ones', () => {
    const ledger = ledgerOf('2026-12-03T10:00:00Z', '2026-12-03T12:00:00Z');
    ledger.recordArchived('a', { type: 'order', timeMs: at('2026-12-03T10:05:00Z') });
    ledger.recordArchived('b', { type: 'invalid', timeMs: at('2026-12-03T11:00:00Z') });
    ledger.recordWarehouse('a', { type: 'order', timeMs: at('2026-12-03T10:05:00Z') });
    ledger.recordLake('a', { type: 'order', timeMs: at('2026-12-03T10:05:00Z') });
    // Its publish time is not its bucket: it counts where the archive put it.
    ledger.recordDeadLettered('b', 'SHOP_E_DECODE_JSON', at('2026-12-03T10:59:59Z'));
    const report = ledger.settle();
    expect(report.balanced).toBe(true);
    expect(report.buckets.map((b) => [b.bucket, b.type, b.archived, b.warehouse, b.deadLettered])).toEqual([
      ['2026-12-03T10:00Z', 'order', 1, 1, 0],
      ['2026-12-03T11:00Z', 'invalid', 1, 0, 1],
    ]);
    expect(report.deadLetteredByCode).toEqual({ SHOP_E_DECODE_JSON: 1 });
  });

  it('names each kind of gap, in the bucket of the side that has the id', () => {
    const ledger = ledgerOf('2026-12-03T10:00:00Z', '2026-12-03T11:00:00Z');
    const t = { type: 'inventory' as const, timeMs: at('2026-12-03T10:30:00Z') };
    ledger.recordArchived('lost', t);
    ledger.recordWarehouse('unarchived', t);
    ledger.recordLake('unarchived', t);
    ledger.recordArchived('no-lake', t);
    ledger.recordWarehouse('no-lake', t);
    ledger.recordArchived('twice', t);
    ledger.recordWarehouse('twice', t);
    ledger.recordLake('twice', t);
    ledger.recordDeadLettered('twice', 'SHOP_E_SINK_ROW_REJECTED', t.timeMs);
    const { gaps, balanced } = ledger.settle();
    expect(balanced).toBe(false);
    expect(gaps.missing.first.map((g) => g.eventId)).toEqual(['lost']);
    expect(gaps.unarchived.first.map((g) => g.eventId)).toEqual(['unarchived']);
    expect(gaps.lakeShort.first.map((g) => g.eventId)).toEqual(['no-lake']);
    expect(gaps.both.first.map((g) => g.eventId)).toEqual(['twice']);
  });

  it('leaves out what is outside the range, the DLQ records of messages archived outside it included', () => {
    const ledger = ledgerOf('2026-12-03T10:00:00Z', '2026-12-03T11:00:00Z');
    ledger.recordArchived('early', { type: 'invalid', timeMs: at('2026-12-03T09:59:59Z') });
    ledger.recordDeadLettered('early', 'SHOP_E_DECODE_JSON', at('2026-12-03T10:00:01Z'));
    ledger.recordWarehouse('late', { type: 'order', timeMs: at('2026-12-03T11:00:00Z') });
    const report = ledger.settle();
    expect(report.buckets).toEqual([]);
    expect(report.balanced).toBe(true);
  });

  it('counts a lake line known to no other side only when its whole minute is in range', () => {
    const ledger = ledgerOf('2026-12-03T10:00:30Z', '2026-12-03T10:05:00Z', 'minute');
    ledger.recordLake('edge', { type: 'order', timeMs: at('2026-12-03T10:00:00Z') });
    ledger.recordLake('inside', { type: 'order', timeMs: at('2026-12-03T10:01:00Z') });
    expect(ledger.settle().totals.lake).toBe(1);
  });

  it('lists at most `limit` ids per kind, and counts them all', () => {
    const ledger = ledgerOf('2026-12-03T10:00:00Z', '2026-12-03T11:00:00Z');
    for (let i = 0; i < 8; i++)
      ledger.recordArchived(`id${i}`, { type: 'order', timeMs: at('2026-12-03T10:10:00Z') });
    const { gaps } = ledger.settle();
    expect(gaps.missing.count).toBe(8);
    expect(gaps.missing.first).toHaveLength(5);
  });
});

describe('time buckets and lake folders', () => {
  it('names buckets by their UTC start', () => {
    const t = at('2026-12-03T10:07:31.5Z');
    expect(bucketLabel(bucketStart(t, 'minute'), 'minute')).toBe('2026-12-03T10:07Z');
    expect(bucketLabel(bucketStart(t, 'hour'), 'hour')).toBe('2026-12-03T10:00Z');
    expect(bucketLabel(bucketStart(t, 'day'), 'day')).toBe('2026-12-03');
  });

  it('lists hour folders for short ranges, day folders for longer ones, the whole type beyond a month', () => {
    expect(lakePrefixes('order', at('2026-12-03T22:30:00Z'), at('2026-12-04T01:00:00Z'))).toEqual([
      'output/order/2026/12/03/22/',
      'output/order/2026/12/03/23/',
      'output/order/2026/12/04/00/',
    ]);
    expect(lakePrefixes('order', at('2026-12-01T00:00:00Z'), at('2026-12-04T00:00:00Z'))).toEqual([
      'output/order/2026/12/01/',
      'output/order/2026/12/02/',
      'output/order/2026/12/03/',
    ]);
    expect(lakePrefixes('order', Number.NEGATIVE_INFINITY, at('2026-12-04T00:00:00Z'))).toEqual([
      'output/order/',
    ]);
  });

  it('refuses a range that holds no time', () => {
    expect(() => compileReconcileOptions({ from: new Date(0), to: new Date(0) })).toThrow(
      /is not before --to/,
    );
  });
});
