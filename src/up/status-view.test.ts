import { describe, expect, it } from 'vitest';
import type { LiveSnapshot } from '../dashboard/live-stats.js';
import { StatusPrinter, formatMs, formatUptime, plainStatusLine, statusLines } from './status-view.js';

const snapshot = (t: number, processedOrders: number): LiveSnapshot => ({
  startedAt: 0,
  point: {
    t,
    generated: { order: 2, inventory: 3, user_activity: 5, invalid: 1 },
    processed: { order: processedOrders, inventory: 3, user_activity: 5 },
    dlq: { SHOP_E_FIELD_MISSING: 1 },
    backlog: 7,
    p50Ms: 480,
    p99Ms: 1234,
  },
  totals: {
    generated: { order: 20, inventory: 30, user_activity: 50, invalid: 4 },
    processed: { order: 10 + processedOrders, inventory: 30, user_activity: 50 },
    dlq: { SHOP_E_FIELD_MISSING: 3, SHOP_E_DECODE_JSON: 1 },
  },
});

describe('status view', () => {
  it('shows generated and processed by type, DLQ by code, backlog, latency and health', () => {
    const s = snapshot(65_000, 2);
    const text = statusLines(s, [s.point], { healthy: true }).join('\n');
    expect(text).toContain('up 1m05s · healthy · 11/s in, 11/s out');
    expect(text).toContain('generated 104: order 20 · inventory 30 · user_activity 50 · invalid 4');
    expect(text).toContain('processed 92: order 12 · inventory 30 · user_activity 50');
    expect(text).toContain('DLQ 4: FIELD_MISSING 3 · DECODE_JSON 1');
    expect(text).toContain('backlog 7 · latency p50 480 ms · p99 1.23 s');
    expect(statusLines(s, [], { healthy: false, failing: { warehouse: 'disk full' } }).join('\n')).toContain(
      'FAILING warehouse: disk full',
    );
    const blocked = {
      healthy: false,
      failing: { warehouse: 'table orders was not found' },
      blocked: { warehouse: { code: 'SHOP_E_WAREHOUSE_SCHEMA' } },
    };
    expect(statusLines(s, [], blocked).join('\n')).toContain(
      'FAILING warehouse BLOCKED (WAREHOUSE_SCHEMA): table orders was not found',
    );
  });

  it('prints one plain line every few seconds without a terminal', () => {
    const written: string[] = [];
    const printer = new StatusPrinter({ write: (t: string) => written.push(t), isTTY: false }, 5_000);
    for (let t = 5_000; t <= 16_000; t += 1_000) printer.update(snapshot(t, 1), [], { healthy: true });
    expect(written).toHaveLength(3);
    expect(written[0]).toBe(plainStatusLine(snapshot(5_000, 1), { healthy: true }) + '\n');
    expect(written[0]).toContain('processed 91 (order 11, inventory 30, user_activity 50), dlq 4, backlog 7');
    expect(written.join('')).not.toContain('\x1b');
  });

  it('redraws the same lines in place on a terminal, cut to its width', () => {
    const written: string[] = [];
    const printer = new StatusPrinter({ write: (t: string) => written.push(t), isTTY: true, columns: 50 });
    printer.update(snapshot(1_000, 1), [], { healthy: true });
    printer.update(snapshot(2_000, 2), [], { healthy: true });
    expect(written[0]).not.toContain('\x1b[');
    const lines = written[0]!.trimEnd().split('\n');
    expect(written[1]!.startsWith(`\x1b[${lines.length}F\x1b[J`)).toBe(true);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(49);
    expect(lines.some((line) => line.endsWith('…'))).toBe(true);
    printer.stop();
    printer.update(snapshot(3_000, 3), [], { healthy: true });
    expect(written).toHaveLength(2);
  });

  it('formats durations for people', () => {
    expect([formatMs(null), formatMs(12.4), formatMs(999), formatMs(1500)]).toEqual([
      '–',
      '12 ms',
      '999 ms',
      '1.50 s',
    ]);
    expect([formatUptime(42_000), formatUptime(185_000), formatUptime(3_720_000)]).toEqual([
      '42s',
      '3m05s',
      '1h02m',
    ]);
  });
});
