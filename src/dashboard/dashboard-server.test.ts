import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../telemetry/logger.js';
import { createMetrics } from '../telemetry/metrics.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { DashboardServer } from './dashboard-server.js';
import { LiveStats } from './live-stats.js';
import { WarehousePanels } from './warehouse-panels.js';

const opened: DashboardServer[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function start(
  healthy = true,
): Promise<{ base: string; telemetry: Telemetry; live: LiveStats; server: DashboardServer }> {
  const telemetry = new Telemetry();
  const live = new LiveStats(telemetry, 'sub');
  const panels = new WarehousePanels({
    warehouse: { query: async () => ({ columns: ['n'], rows: [{ n: 1 }] }) },
    panels: [{ id: 'revenue', sql: 'SELECT 1 AS n' }],
    logger: silentLogger,
  });
  const server = new DashboardServer({
    registry: createMetrics(telemetry),
    health: () => ({ healthy, failing: healthy ? {} : { warehouse: 'disk full' } }),
    live,
    panels,
    about: { bus: 'embedded:/tmp/x' },
  });
  opened.push(server);
  const port = await server.listen(0, '127.0.0.1');
  return { base: `http://127.0.0.1:${port}`, telemetry, live, server };
}

/** Reads server-sent events until `count` have arrived. */
async function readEvents(url: string, count: number): Promise<{ event: string; data: unknown }[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.getReader();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += new TextDecoder().decode(value);
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  controller.abort();
  return events;
}

describe('DashboardServer', () => {
  it('serves the page, its script and styles, and uPlot from our own package, with a CSP that allows nothing else', async () => {
    const { base } = await start();
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    for (const asset of [
      '/app.js',
      '/app.css',
      '/vendor/uPlot.iife.min.js',
      '/vendor/uPlot.min.css',
      '/favicon.svg',
    ]) {
      expect(html).toContain(asset);
      const response = await fetch(base + asset);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    expect(html).not.toMatch(/https?:\/\//);
    expect(await (await fetch(`${base}/vendor/uPlot.iife.min.js`)).text()).toContain('uPlot');
  });

  it('streams a hello with history, then one live event per tick', async () => {
    const { base, telemetry, live, server } = await start();
    telemetry.emit('events:durable', {
      eventType: 'order',
      count: 5,
      latenciesMs: [10, 20, 30, 40, 50],
      unknownFields: 0,
    });
    live.tick();
    const reading = readEvents(`${base}/api/live`, 2);
    await new Promise((r) => setTimeout(r, 100));
    telemetry.emit('messages:dead-lettered', { code: 'SHOP_E_DECODE_JSON', count: 2 });
    server.publishLive(live.tick());
    const [hello, next] = await reading;
    expect(hello!.event).toBe('hello');
    expect(hello!.data).toMatchObject({
      about: { bus: 'embedded:/tmp/x' },
      health: { healthy: true },
      history: [{ processed: { order: 5 }, p50Ms: 30 }],
      panels: [{ id: 'revenue', rows: [], updatedAt: null }],
    });
    expect(next!.event).toBe('live');
    expect(next!.data).toMatchObject({
      point: { dlq: { SHOP_E_DECODE_JSON: 2 } },
      totals: { processed: { order: 5 } },
    });
  });

  it('has no write path, answers /metrics and /healthz, and 404s the rest', async () => {
    const { base, telemetry } = await start(false);
    telemetry.emit('generator:published', { byType: { order: 7 }, invalid: 1 });
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      expect((await fetch(`${base}/api/live`, { method })).status, method).toBe(405);
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('shopstream_generated_total{event_type="order"} 7');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ healthy: false, failing: { warehouse: 'disk full' } });
    expect((await fetch(`${base}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${base}/../package.json`)).status).toBe(404);
  });

  it('ends open event streams when it closes', async () => {
    const { base, server } = await start();
    const response = await fetch(`${base}/api/live`);
    const reader = response.body!.getReader();
    await reader.read();
    await server.close();
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
  });
});
