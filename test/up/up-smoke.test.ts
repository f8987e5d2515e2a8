import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { runCli } from '../support/run-cli.js';
import { listFiles } from '../support/read-lake.js';
import { startUp } from './run-up-child.js';

const dir = mkdtempSync(join(tmpdir(), 'shopstream-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function count(sql: string): Promise<number> {
  const warehouse = await openWarehouse(`duckdb:${join(dir, 'warehouse.duckdb')}`);
  try {
    await warehouse.start();
    return Number((await warehouse.query(sql)).rows[0]!.n);
  } finally {
    await warehouse.close();
  }
}

/**
 * `shopstream up --duration 30s` in a fresh data folder, as a user runs it: while it runs, the
 * dashboard server, `shopstream query` (routed through it) and a clash with a second `up` are checked;
 * after it stops by itself, what it left behind is.
 */
describe('shopstream up (smoke)', () => {
  it('runs everything for 30 s, answers while running, stops by itself with exit 0, and leaves rows, lake, archive and DLQ', async () => {
    const port = await freePort();
    const up = startUp(['--duration', '30s', '--data', dir, '--port', String(port)]);
    const url = await up.dashboardUrl;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const banner = up.stdout();
    expect(banner).toContain(`data       ${dir}`);
    expect(banner).toContain('npx shopstream query');
    expect(banner).toMatch(/generator {2}200 events\/s, profile demo, 2% invalid on purpose/);

    // While it runs: health, metrics, and the page.
    await expect.poll(async () => (await fetch(`${url}/healthz`)).status, { timeout: 20_000 }).toBe(200);
    await expect
      .poll(
        async () =>
          /shopstream_messages_total\{event_type="order",outcome="stored"\} [1-9]/.test(
            await (await fetch(`${url}/metrics`)).text(),
          ),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    expect(await (await fetch(url)).text()).toContain('<title>shopstream');

    // `shopstream query` from another process works although up holds the DuckDB file…
    const warehouseFlag = ['--warehouse', `duckdb:${join(dir, 'warehouse.duckdb')}`];
    const query = await runCli([
      ...warehouseFlag,
      'query',
      '--format',
      'json',
      'SELECT count(*) AS n FROM user_activity_dedup',
    ]);
    expect(query.code, query.stderr).toBe(0);
    expect((JSON.parse(query.stdout) as { n: number }[])[0]!.n).toBeGreaterThan(0);
    // …but only reads.
    const write = await runCli([...warehouseFlag, 'query', 'DELETE FROM orders']);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('SHOP_E_WAREHOUSE_QUERY');
    // …and reaches nothing outside the warehouse and the data folder's lake and archive.
    const hostname = await runCli([
      ...warehouseFlag,
      'query',
      "SELECT content FROM read_text('/etc/hostname')",
    ]);
    expect(hostname.code).toBe(1);
    expect(hostname.stdout).toBe('');
    expect(hostname.stderr).toMatch(
      /SHOP_E_WAREHOUSE_QUERY: Permission Error: Cannot access file "\/etc\/hostname"/,
    );
    expect(statSync(join(dir, 'warehouse.duckdb.up.json')).mode & 0o777).toBe(0o600);

    // A second up on the same data folder, or on the same port, fails fast and says why.
    const clash = await runCli(['up', '--data', dir, '--port', '0', '--duration', '5s']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/SHOP_E_WAREHOUSE_UNAVAILABLE: another shopstream up \(pid \d+\)/);
    const busy = await runCli([
      'up',
      '--data',
      join(dir, 'other'),
      '--port',
      String(port),
      '--duration',
      '5s',
    ]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`--port ${port}: 127.0.0.1:${port} is already in use`);

    const result = await up.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('stopping (duration)');
    expect(result.stdout).toMatch(/up \d+s: generated \d+/); // plain status lines without a terminal
    const summary =
      /generated (\d+) \((\d+) invalid\), stored (\d+), dead-lettered (\d+), archived (\d+)/.exec(
        result.stdout,
      );
    expect(summary, result.stdout).not.toBeNull();
    const [published, invalid, stored, deadLettered, archived] = summary!.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    // About 200 events/s for 30 s, with a few deliberately invalid ones.
    expect(published).toBeGreaterThan(3_000);
    expect(invalid).toBeGreaterThan(0);
    expect(stored + deadLettered).toBe(published);
    // The archive is at-least-once (a redelivered message may be archived twice): at least every message.
    expect(archived).toBeGreaterThanOrEqual(published);

    // Rows in every event table and in ingest_errors; every published message is a row or a DLQ record.
    const tables = { orders: 0, inventory: 0, user_activity: 0, ingest_errors: 0 };
    for (const table of Object.keys(tables) as (keyof typeof tables)[]) {
      // Bad messages can share bytes (every empty message has the same event_id): count DLQ rows.
      const counted = table === 'ingest_errors' ? 'count(*)' : 'count(DISTINCT event_id)';
      tables[table] = await count(`SELECT ${counted} AS n FROM ${table}`);
      expect(tables[table], table).toBeGreaterThan(0);
    }
    expect(tables.orders + tables.inventory + tables.user_activity).toBe(stored);
    expect(tables.ingest_errors).toBe(deadLettered);
    // The demo profile (the default): every event type at a real share, and whole order lifecycles
    // within these 30 s, some sent back.
    for (const table of ['orders', 'inventory', 'user_activity'] as const)
      expect(tables[table] / stored, table).toBeGreaterThanOrEqual(0.1);
    const orders = await count('SELECT count(*) AS n FROM order_current_status');
    const delivered = await count(
      "SELECT count(*) AS n FROM order_current_status WHERE status = 'delivered'",
    );
    expect(delivered / orders).toBeGreaterThanOrEqual(0.1);
    expect(await count("SELECT count(*) AS n FROM inventory_dedup WHERE reason = 'return'")).toBeGreaterThan(
      0,
    );

    // Lake files for every type and for the DLQ, and archive files holding every message.
    const lake = listFiles(join(dir, 'lake'));
    for (const prefix of ['output/order/', 'output/inventory/', 'output/user_activity/', 'output/errors/'])
      expect(
        lake.some((f) => f.startsWith(prefix) && f.endsWith('.json')),
        prefix,
      ).toBe(true);
    const dlqLines = lake
      .filter((f) => f.startsWith('output/errors/'))
      .flatMap((f) =>
        readFileSync(join(dir, 'lake', f), 'utf8')
          .split('\n')
          .filter(Boolean),
      );
    expect(dlqLines).toHaveLength(deadLettered);
    expect(JSON.parse(dlqLines[0]!).error.code).toMatch(/^SHOP_E_/);
    const archive = listFiles(join(dir, 'backup'));
    expect(archive.length).toBeGreaterThan(0);
    for (const file of archive) expect(file).toMatch(/^events_.+\.json$/);
    // One payload per line; some deliberately bad payloads are empty, so empty lines count too.
    const archivedLines = archive.flatMap((f) =>
      readFileSync(join(dir, 'backup', f), 'utf8')
        .split('\n')
        .slice(0, -1),
    );
    expect(archivedLines).toHaveLength(archived);

    // The discovery file is gone: `shopstream query` now opens the file itself.
    const after = await runCli([...warehouseFlag, 'query', 'SELECT count(*) AS n FROM ingest_errors']);
    expect(after.code, after.stderr).toBe(0);
  }, 150_000);

  it('continues with the same data on the next start', async () => {
    const before = await count('SELECT count(*) AS n FROM orders_dedup');
    const errorsBefore = await count('SELECT count(*) AS n FROM ingest_errors_dedup');
    const again = await startUp(['--duration', '6s', '--data', dir, '--port', '0']).done;
    expect(again.code, again.stderr).toBe(0);
    expect(await count('SELECT count(*) AS n FROM orders_dedup')).toBeGreaterThan(before);
    expect(await count('SELECT count(*) AS n FROM ingest_errors_dedup')).toBeGreaterThanOrEqual(errorsBefore);
  }, 60_000);

  it('exits 2 naming the flag when a flag is bad', async () => {
    for (const [args, flag] of [
      [['--rate', 'fast'], '--rate'],
      [['--invalid-ratio', '2'], '--invalid-ratio'],
      [['--port', '99999'], '--port'],
      [['--duration', 'soon'], '--duration'],
      [['--colour'], '--colour'],
      [['--port'], '--port'],
      [['--profile', 'mall'], '--profile "mall"'],
      [['--profile', join(dir, 'no-such-profile.json')], 'no-such-profile.json'],
      [['--time-scale', '0'], '--time-scale'],
    ] as const) {
      const result = await runCli(['up', '--data', join(dir, 'bad-flags'), ...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(flag);
    }
    const help = await runCli(['up', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: shopstream up');
  }, 60_000);
});
