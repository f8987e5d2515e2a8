import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/project-root.js';
import { startUp, type UpChild } from '../up/run-up-child.js';
import { CHROMIUM_ARGS, findChromium } from './find-chromium.js';

const executablePath = findChromium();
const PANELS = [
  'events',
  'dlq',
  'backlog',
  'latency',
  'revenue',
  'funnel',
  'order-status',
  'top-products',
  'low-stock',
  'dlq-records',
];

/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) during a real
 * `shopstream up`: every chart and table fills, the numbers move, nothing is loaded from elsewhere.
 */
describe.runIf(executablePath)('dashboard in a browser', () => {
  let dir: string;
  let up: UpChild;
  let browser: Browser;
  let page: Page;
  let base: string;
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shopstream-dashboard-'));
    // Twice the default rate: the simulated shop (the default demo profile) runs faster, so stock runs
    // low sooner.
    up = startUp(['--port', '0', '--data', dir, '--duration', '240s', '--rate', '400']);
    base = await up.dashboardUrl;
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 1200 }, deviceScaleFactor: 1 });
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:'))
        foreignRequests.push(request.url());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    up?.child.kill('SIGTERM');
    await up?.done;
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('fills every chart and table with data, and the numbers move', async () => {
    await page.goto(base);
    await expect.poll(() => page.textContent('#connection'), { timeout: 10_000 }).toBe('live');
    // Orders need sessions that reach the checkout, and low stock needs sales to drain a product
    // faster than its restock arrives, so the warehouse panels take a little while to fill.
    // A live chart is ready as soon as the totals say something was processed, and counts the points of
    // its history, which the first seconds after connecting may not have yet: wait for both.
    await page.waitForFunction(
      (ids) =>
        ids.every((id) => {
          const panel = document.getElementById(`panel-${id}`);
          return panel?.dataset.state === 'ready' && Number(panel.dataset.count) > 0;
        }),
      PANELS,
      { timeout: 170_000, polling: 500 },
    );
    for (const id of PANELS) {
      const count = Number(await page.getAttribute(`#panel-${id}`, 'data-count'));
      expect(count, `${id} shows data`).toBeGreaterThan(0);
    }
    for (const id of ['events', 'dlq', 'backlog', 'latency', 'revenue'])
      expect(await page.locator(`#panel-${id} canvas`).count(), `${id} has a chart`).toBeGreaterThan(0);
    for (const id of ['top-products', 'low-stock', 'dlq-records'])
      expect(await page.locator(`#panel-${id} tbody tr`).count(), `${id} has rows`).toBeGreaterThan(0);
    expect(await page.locator('#panel-funnel .stage').count()).toBe(4);
    // Order lifecycles: every status in order with its count, the default (demo) traffic taking
    // orders all the way to delivered, and the items sent back.
    const lifecycle = await page.$$eval('#panel-order-status .stage', (stages) =>
      stages.map((s) => [s.getAttribute('data-status'), Number(s.getAttribute('data-orders'))] as const),
    );
    expect(lifecycle.map(([status]) => status)).toEqual(['pending', 'processing', 'shipped', 'delivered']);
    const orders = lifecycle.reduce((a, [, n]) => a + n, 0);
    expect(orders).toBe(Number(await page.getAttribute('#panel-order-status', 'data-count')));
    expect(lifecycle[3]![1], 'delivered orders').toBeGreaterThan(orders * 0.1);
    expect(await page.textContent('#panel-order-status .stage:last-of-type .n')).toMatch(/^[\d,]+ \d+\.\d%$/);
    expect(Number(await page.getAttribute('#panel-order-status .returns', 'data-returns'))).toBeGreaterThan(
      0,
    );
    expect(await page.textContent('#panel-dlq-records tbody')).toMatch(/SHOP_E_[A-Z_]+/);
    expect(await page.textContent('#health')).toBe('healthy');

    const processed = async (): Promise<number> =>
      Number((await page.textContent('#kpi-processed .value'))!.replaceAll(',', ''));
    const before = await processed();
    expect(before).toBeGreaterThan(0);
    await expect.poll(processed, { timeout: 10_000 }).toBeGreaterThan(before);
    const p50 = await page.textContent('#kpi-p50 .value');
    expect(p50).toMatch(/\d+( ms|\.\d+ s)/);

    expect(foreignRequests, 'the page loads nothing from elsewhere').toEqual([]);
    expect(pageErrors, 'no errors in the page').toEqual([]);

    // Let the charts gather a little history, then keep a picture of it.
    await page.waitForTimeout(4_000);
    const artifacts = join(projectRoot(), 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    const shot = join(artifacts, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
  }, 220_000);

  it('stops cleanly on SIGTERM, and the page says the stream is gone', async () => {
    up.child.kill('SIGTERM');
    const result = await up.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/stopping \(SIGTERM\)/);
    await expect.poll(() => page.textContent('#connection'), { timeout: 10_000 }).toBe('reconnecting…');
  }, 60_000);
});
