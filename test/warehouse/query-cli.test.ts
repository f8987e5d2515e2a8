import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/project-root.js';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { VIEWS } from '../../src/warehouse/model/views.js';

// `shopstream query` and `shopstream views` as a user runs them: a child process on a DuckDB file.

const root = projectRoot();
let dir: string;
let uri: string;

function shopstream(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', '--warehouse', uri, ...args],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SHOPSTREAM_LOG_LEVEL: 'silent' },
      timeout: 60_000,
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopstream-query-cli-'));
  const path = join(dir, 'warehouse.duckdb');
  uri = `duckdb:${path}`;
  const warehouse = new DuckDbWarehouse({ uri, path });
  await warehouse.start();
  await warehouse.ensureSchema();
  await warehouse.loadReferenceData({
    customers: [],
    products: [
      { product_id: 'p-1', product_name: 'Gel Pen', category: 'Office', price: 0.125, reorder_point: 5 },
      { product_id: 'p-2', product_name: 'Desk, "Lamp"', category: 'Home', price: 5.5, reorder_point: 3 },
    ],
    warehouses: [],
  });
  const move = (n: number, product: string, change: number) => ({
    inventory_id: `i-${n}`,
    product_id: product,
    warehouse_id: `w-${n}`,
    quantity_change: change,
    reason: 'restock' as const,
    timestamp: '2024-05-01T10:00:00Z',
    event_id: `e-${n}`,
    publish_time: '2024-05-01T10:00:01Z',
    ingestion_time: '2024-05-01T10:00:02Z',
  });
  await warehouse.append('inventory', [move(1, 'p-1', 2), move(2, 'p-2', 7), move(3, 'p-1', 9)]);
  await warehouse.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shopstream query', () => {
  const sql = 'SELECT product_name, price FROM ref_products ORDER BY price';

  it('prints a readable table', () => {
    const run = shopstream('query', sql);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'product_name │ price\n' +
        '─────────────┼──────\n' +
        'Gel Pen      │ 0.125\n' +
        'Desk, "Lamp" │   5.5\n' +
        '(2 rows)\n',
    );
  });

  it('prints JSON and CSV', () => {
    expect(JSON.parse(shopstream('query', sql, '--format', 'json').stdout)).toEqual([
      { product_name: 'Gel Pen', price: 0.125 },
      { product_name: 'Desk, "Lamp"', price: 5.5 },
    ]);
    expect(shopstream('query', sql, '--format', 'csv').stdout).toBe(
      'product_name,price\r\nGel Pen,0.125\r\n"Desk, ""Lamp""",5.5\r\n',
    );
  });

  it('exits 1 with the engine message on bad SQL', () => {
    const run = shopstream('query', 'SELECT nope FROM ref_products');
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^shopstream: SHOP_E_WAREHOUSE_QUERY: Binder Error: Referenced column "nope" not found/,
    );
  });
});

describe('shopstream query on the DuckDB file reaches the warehouse and the lake only', () => {
  let lake: string;
  beforeAll(() => {
    lake = join(dir, 'lake');
    mkdirSync(join(lake, 'output', 'errors'), { recursive: true });
    writeFileSync(join(lake, 'output', 'errors', 'e.json'), '{"error":{"code":"SHOP_E_DECODE_JSON"}}\n');
  });
  const inLake = (...args: string[]) => shopstream('--lake', `file:${lake}`, ...args);

  it.each([
    ['a file outside the data folders', "SELECT content FROM read_text('/etc/hostname')", '"/etc/hostname"'],
    ['/etc/passwd as CSV', "SELECT * FROM read_csv('/etc/passwd')", '"/etc/passwd"'],
    ['ATTACH of another database', () => `ATTACH '${join(dir, 'other.duckdb')}' AS other`, 'other.duckdb'],
    ['an http URL', "SELECT * FROM read_csv('http://127.0.0.1:9/data.csv')", '"http://127.0.0.1:9/data.csv"'],
    ['INSTALL of an extension', 'INSTALL httpfs', 'extensions'],
    ['LOAD of an extension', 'LOAD httpfs', 'Loading external extensions is disabled'],
  ] as const)('refuses %s: exit 1 naming it', (_what, sql, named) => {
    const run = inLake('query', typeof sql === 'function' ? sql() : sql);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^shopstream: SHOP_E_WAREHOUSE_QUERY: Permission Error: .*disabled (by|through) configuration/,
    );
    expect(run.stderr).toContain(named);
  });

  it("reads the lake's files, and the views still answer", () => {
    const lakeRun = inLake(
      'query',
      '--format',
      'json',
      `SELECT error.code AS code FROM read_json('${lake}/output/errors/*.json')`,
    );
    expect(lakeRun.stderr).toBe('');
    expect(JSON.parse(lakeRun.stdout)).toEqual([{ code: 'SHOP_E_DECODE_JSON' }]);
    const view = inLake('query', '--format', 'json', 'SELECT count(*) AS n FROM inventory_dedup');
    expect(JSON.parse(view.stdout)).toEqual([{ n: 3 }]);
  });
});

describe('shopstream views', () => {
  it('lists every view with its description', () => {
    const run = shopstream('views');
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual(
      VIEWS.map((v) => `${v.name.padEnd(24)} ${v.description}`),
    );
  });

  it('shows the first rows of a view, and refuses a name that is not a view (exit 2)', () => {
    const shown = shopstream('views', 'stock_levels', '--limit', '2', '--format', 'json');
    expect(shown.status).toBe(0);
    const rows = JSON.parse(shown.stdout) as {
      warehouse_id: string;
      stock_level: number;
      low_stock: boolean;
    }[];
    expect(rows).toHaveLength(2);
    const all = [
      { warehouse_id: 'w-1', stock_level: 2, low_stock: true },
      { warehouse_id: 'w-2', stock_level: 7, low_stock: false },
      { warehouse_id: 'w-3', stock_level: 9, low_stock: false },
    ];
    for (const row of rows)
      expect(all).toContainEqual({
        warehouse_id: row.warehouse_id,
        stock_level: row.stock_level,
        low_stock: row.low_stock,
      });
    expect(shopstream('views', 'stock_levels').stdout).toMatch(/\(3 rows\)\n$/);
    const unknown = shopstream('views', 'ref_products');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /SHOP_E_USAGE: views: no view named "ref_products"; the views are: orders_dedup,/,
    );
  });
});
