import { describe, expect, it } from 'vitest';
import { Telemetry } from '../telemetry/telemetry.js';
import { LiveStats } from './live-stats.js';

describe('LiveStats', () => {
  it('turns telemetry into per-second points and totals', () => {
    const telemetry = new Telemetry();
    let now = 1_000_000;
    const live = new LiveStats(telemetry, 'sub', { now: () => now });
    telemetry.emit('generator:published', { byType: { order: 3, user_activity: 5 }, invalid: 1 });
    telemetry.emit('events:durable', {
      eventType: 'order',
      count: 2,
      latenciesMs: [100, 300],
      unknownFields: 0,
    });
    telemetry.emit('messages:dead-lettered', { code: 'SHOP_E_FIELD_MISSING', count: 1 });
    telemetry.emit('backlog:sampled', { subscription: 'other-sub', backlog: 99 });
    telemetry.emit('backlog:sampled', { subscription: 'sub', backlog: 4 });
    now += 1000;
    const first = live.tick();
    expect(first.point).toEqual({
      t: now,
      generated: { order: 3, inventory: 0, user_activity: 5, invalid: 1 },
      processed: { order: 2, inventory: 0, user_activity: 0 },
      dlq: { SHOP_E_FIELD_MISSING: 1 },
      backlog: 4,
      p50Ms: 100,
      p99Ms: 300,
    });

    telemetry.emit('events:durable', { eventType: 'order', count: 1, latenciesMs: [200], unknownFields: 0 });
    telemetry.emit('messages:dead-lettered', { code: 'SHOP_E_FIELD_MISSING', count: 2 });
    now += 1000;
    const second = live.tick();
    expect(second.point.processed.order).toBe(1);
    expect(second.point.dlq).toEqual({ SHOP_E_FIELD_MISSING: 2 });
    // The percentiles cover the last few seconds: 100, 200, 300.
    expect([second.point.p50Ms, second.point.p99Ms]).toEqual([200, 300]);
    expect(second.totals.processed.order).toBe(3);
    expect(second.totals.dlq).toEqual({ SHOP_E_FIELD_MISSING: 3 });
    expect(live.history().map((p) => p.t)).toEqual([now - 1000, now]);
  });

  it('keeps a bounded history and forgets old latencies', () => {
    const telemetry = new Telemetry();
    const live = new LiveStats(telemetry, 'sub', { historySeconds: 3, latencyWindowSeconds: 2 });
    telemetry.emit('events:durable', {
      eventType: 'inventory',
      count: 1,
      latenciesMs: [5_000],
      unknownFields: 0,
    });
    for (let i = 0; i < 5; i++) live.tick();
    expect(live.history()).toHaveLength(3);
    expect(live.latest()?.point.p99Ms).toBeNull();
    expect(live.latest()?.totals.processed.inventory).toBe(1);
  });

  it('samples latencies at high rates instead of keeping them all', () => {
    const telemetry = new Telemetry();
    const live = new LiveStats(telemetry, 'sub', { latencySamplesPerSecond: 100 });
    // Within a batch latencies fall with publish time: a ramp from 1,000 ms down to 0.
    const latencies = Array.from({ length: 100_000 }, (_, i) => 1000 - i / 100);
    telemetry.emit('events:durable', {
      eventType: 'order',
      count: latencies.length,
      latenciesMs: latencies,
      unknownFields: 0,
    });
    const { point, totals } = live.tick();
    expect(totals.processed.order).toBe(100_000);
    expect(point.p50Ms).toBeGreaterThan(400);
    expect(point.p50Ms).toBeLessThan(600);
    expect(point.p99Ms).toBeGreaterThan(950);
  });

  it('stops counting once closed', () => {
    const telemetry = new Telemetry();
    const live = new LiveStats(telemetry, 'sub');
    live.close();
    telemetry.emit('events:durable', { eventType: 'order', count: 1, latenciesMs: [1], unknownFields: 0 });
    expect(live.tick().totals.processed.order).toBe(0);
  });
});
