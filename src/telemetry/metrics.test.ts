import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { Telemetry } from './telemetry.js';

describe('metrics', () => {
  it('counts stored events, unknown fields, dead letters by code, and latency', async () => {
    const telemetry = new Telemetry();
    const registry = createMetrics(telemetry);
    telemetry.emit('events:durable', {
      eventType: 'inventory',
      count: 2,
      latenciesMs: [100, 300],
      unknownFields: 3,
    });
    telemetry.emit('messages:dead-lettered', { code: 'SHOP_E_FIELD_ENUM', count: 4 });
    const text = await registry.metrics();
    expect(text).toContain('shopstream_messages_total{event_type="inventory",outcome="stored"} 2');
    expect(text).toContain('shopstream_unknown_fields_total{event_type="inventory"} 3');
    expect(text).toContain('shopstream_dead_lettered_total{code="SHOP_E_FIELD_ENUM"} 4');
    expect(text).toContain('shopstream_acks_total 6');
    expect(text).toContain('shopstream_end_to_end_latency_seconds_count{event_type="inventory"} 2');
  });

  it('raises shopstream_sink_blocked{sink,code} while a sink is blocked, and lowers it when it is not', async () => {
    const telemetry = new Telemetry();
    const registry = createMetrics(telemetry);
    const error = new Error('table orders does not exist');
    telemetry.emit('sink:blocked', {
      sink: 'warehouse',
      code: 'SHOP_E_WAREHOUSE_SCHEMA',
      fix: 'setup',
      error,
    });
    expect(await registry.metrics()).toContain(
      'shopstream_sink_blocked{sink="warehouse",code="SHOP_E_WAREHOUSE_SCHEMA"} 1',
    );
    telemetry.emit('sink:unblocked', { sink: 'warehouse', code: 'SHOP_E_WAREHOUSE_SCHEMA' });
    expect(await registry.metrics()).toContain(
      'shopstream_sink_blocked{sink="warehouse",code="SHOP_E_WAREHOUSE_SCHEMA"} 0',
    );
  });
});
