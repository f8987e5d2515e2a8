import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Telemetry } from './telemetry.js';

/**
 * Prometheus metrics fed by the telemetry event map. One registry per process; `/metrics` serves it.
 */
export function createMetrics(telemetry: Telemetry): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shopstream_process_' });
  const messages = new Counter({
    name: 'shopstream_messages_total',
    help: 'Messages the pipeline made durable, by event type and outcome (stored | dead_lettered).',
    labelNames: ['event_type', 'outcome'] as const,
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'shopstream_dead_lettered_total',
    help: 'Messages sent to the DLQ, by error code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const flushes = new Counter({
    name: 'shopstream_flushes_total',
    help: 'Sink writes, by sink.',
    labelNames: ['sink'] as const,
    registers: [registry],
  });
  const flushedRecords = new Counter({
    name: 'shopstream_flushed_records_total',
    help: 'Records written, by sink.',
    labelNames: ['sink'] as const,
    registers: [registry],
  });
  const sinkFailures = new Counter({
    name: 'shopstream_sink_failures_total',
    help: 'Failed sink writes (retried), by sink.',
    labelNames: ['sink'] as const,
    registers: [registry],
  });
  const sinkBlocked = new Gauge({
    name: 'shopstream_sink_blocked',
    help: 'Whether a sink is blocked (1) by a failure no retry can fix, by sink and error code: its messages are held until someone fixes it (see /healthz for the fix). Alert on it.',
    labelNames: ['sink', 'code'] as const,
    registers: [registry],
  });
  const acks = new Counter({
    name: 'shopstream_acks_total',
    help: 'Messages acked after they were durable.',
    registers: [registry],
  });
  const nacks = new Counter({
    name: 'shopstream_nacks_total',
    help: 'Messages nacked for redelivery.',
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'shopstream_end_to_end_latency_seconds',
    help: 'Publish → durable (lake + warehouse) latency.',
    labelNames: ['event_type'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const backlog = new Gauge({
    name: 'shopstream_backlog_messages',
    help: 'Unacked messages on a subscription.',
    labelNames: ['subscription'] as const,
    registers: [registry],
  });
  const generated = new Counter({
    name: 'shopstream_generated_total',
    help: 'Messages the generator published, by event type (invalid = deliberately bad).',
    labelNames: ['event_type'] as const,
    registers: [registry],
  });

  const unknownFields = new Counter({
    name: 'shopstream_unknown_fields_total',
    help: 'Fields the contract does not know, in accepted events (forward compatibility), by event type.',
    labelNames: ['event_type'] as const,
    registers: [registry],
  });

  telemetry.on('events:durable', ({ eventType, count, latenciesMs, unknownFields: unknown }) => {
    messages.inc({ event_type: eventType, outcome: 'stored' }, count);
    if (unknown > 0) unknownFields.inc({ event_type: eventType }, unknown);
    acks.inc(count);
    const h = latency.labels({ event_type: eventType });
    for (const ms of latenciesMs) h.observe(ms / 1000);
  });
  telemetry.on('messages:dead-lettered', ({ code, count }) => {
    deadLettered.inc({ code }, count);
    messages.inc({ event_type: 'unknown', outcome: 'dead_lettered' }, count);
    acks.inc(count);
  });
  telemetry.on('sink:flushed', ({ sink, records }) => {
    flushes.inc({ sink });
    flushedRecords.inc({ sink }, records);
  });
  telemetry.on('sink:failed', ({ sink }) => sinkFailures.inc({ sink }));
  telemetry.on('sink:blocked', ({ sink, code }) => sinkBlocked.set({ sink, code }, 1));
  telemetry.on('sink:unblocked', ({ sink, code }) => sinkBlocked.set({ sink, code }, 0));
  telemetry.on('messages:nacked', ({ count }) => nacks.inc(count));
  telemetry.on('backlog:sampled', ({ subscription, backlog: value }) => backlog.set({ subscription }, value));
  telemetry.on('generator:published', ({ byType, invalid }) => {
    for (const [type, count] of Object.entries(byType)) generated.inc({ event_type: type }, count);
    if (invalid > 0) generated.inc({ event_type: 'invalid' }, invalid);
  });
  return registry;
}
