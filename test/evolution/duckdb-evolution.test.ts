import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/project-root.js';
import { listFiles } from '../support/read-lake.js';
import { runCli } from '../support/run-cli.js';
import { NEW_ORDER_FIELDS, sentOrders, writeArchiveFile, writeEvolvedContract } from './evolved-contract.js';

// A contract change end to end on a real DuckDB warehouse, through the CLI: each command runs as a
// process of the version under test, the new contract being a copy of schemas/ named by
// SHOPSTREAM_SCHEMAS. Ordered steps share one warehouse: made by the old contract, fed events that
// already carry the new fields, migrated, fed by the new version, filled from the archive, and
// finally offered a breaking change, which is refused.

const dir = mkdtempSync(join(tmpdir(), 'evolution-duckdb-'));
const v2 = writeEvolvedContract(join(dir, 'schemas-v2'), 'compatible');
const v3 = writeEvolvedContract(join(dir, 'schemas-v3'), 'breaking');
const file = join(dir, 'warehouse.duckdb');
const targets = [
  '--warehouse',
  `duckdb:${file}`,
  '--lake',
  `file:${join(dir, 'lake')}`,
  '--archive',
  `file:${join(dir, 'archive')}`,
];
const wave1 = sentOrders(40);
const wave2 = sentOrders(20, 40);
writeArchiveFile(join(dir, 'backup-1'), '2025-03-01T10:00:00Z', wave1);
writeArchiveFile(join(dir, 'backup-2'), '2025-03-01T10:40:00Z', wave2);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `shopstream <args>` as the version whose contract is `schemas` (default: the project's). */
function shopstream(args: string[], schemas?: string) {
  return runCli([...args, ...targets], schemas ? { SHOPSTREAM_SCHEMAS: schemas } : {});
}

/** Reads the warehouse file directly (between commands, which each hold it while they run). */
async function sql(query: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const reader = await connection.runAndReadAll(query);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const columnsOf = async (table: string): Promise<string[]> =>
  (
    await sql(
      `SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
    )
  ).map((r) => String(r.c));

const OLD_COLUMNS =
  'SELECT event_id, order_id, customer_id, order_date, status, items, shipping_address, total_amount, publish_time, ingestion_time FROM orders ORDER BY event_id';

let before: Record<string, unknown>[] = [];

describe.sequential('schema evolution on DuckDB', () => {
  it('the old version accepts events that already carry the new fields, and keeps them in the lake lines only', async () => {
    expect((await shopstream(['setup', '--skip-bus'])).code).toBe(0);
    const result = await shopstream([
      'backfill',
      '--from',
      join(dir, 'backup-1'),
      '--checkpoint',
      join(dir, 'cp1.json'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 40, accepted: 40, deadLettered: 0 });
    const lake = join(dir, 'lake', 'output', 'order');
    const lines = listFiles(lake).flatMap((name) =>
      readFileSync(join(lake, name), 'utf8').trim().split('\n'),
    );
    expect(lines).toHaveLength(40);
    expect(lines.filter((line) => line.includes('"coupon_code":"SPRING-'))).toHaveLength(20);
    expect(await columnsOf('orders')).not.toContainEqual(expect.stringMatching(/^coupon_code /));
    before = await sql(OLD_COLUMNS);
    expect(before).toHaveLength(40);
  });

  it('contract check names the new fields as compatible and exits 0', async () => {
    const result = await runCli([
      'contract',
      'check',
      '--schemas',
      v2,
      '--against',
      join(projectRoot(), 'schemas'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\+ items\[\]\.discount\s+compatible/);
    expect(result.stdout).toMatch(/\+ shipping_address\.postal_code\s+compatible/);
    expect(result.stdout).toMatch(/\+ coupon_code\s+compatible/);
  });

  it('setup --dry-run prints the ALTER statements and changes nothing', async () => {
    const result = await shopstream(['setup', '--skip-bus', '--dry-run'], v2);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`adding ${NEW_ORDER_FIELDS.join(', ')}`);
    expect(result.stdout).toContain('ALTER TABLE orders ADD COLUMN items.element.discount DECIMAL(38,9);');
    expect(result.stdout).toContain('ALTER TABLE orders ADD COLUMN shipping_address.postal_code VARCHAR;');
    expect(result.stdout).toContain('ALTER TABLE orders ADD COLUMN coupon_code VARCHAR;');
    expect(result.stdout).toContain('CREATE OR REPLACE VIEW orders_dedup AS … ;');
    expect(await columnsOf('orders')).not.toContainEqual(expect.stringMatching(/^coupon_code /));
  });

  it('backfill --fill-missing names what is wrong: a column not migrated yet, a required one, an unknown one', async () => {
    const fill = (target: string) =>
      shopstream(['backfill', '--from', join(dir, 'backup-1'), '--fill-missing', target], v2);
    const early = await fill('orders.coupon_code');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      'SHOP_E_WAREHOUSE_SCHEMA: orders.coupon_code does not exist: run `shopstream setup` to migrate the warehouse first',
    );
    const required = await fill('orders.total_amount');
    expect(required.code).toBe(2);
    expect(required.stderr).toContain('--fill-missing orders.total_amount: total_amount is REQUIRED');
    const unknown = await fill('orders.coupon');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('orders has no column coupon');
  });

  it('setup adds the columns, nested ones included, and keeps every row as it was', async () => {
    const result = await shopstream(['setup', '--skip-bus'], v2);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`migrated: added ${NEW_ORDER_FIELDS.join(', ')}; views re-created`);
    const columns = await columnsOf('orders');
    expect(columns).toContain('coupon_code VARCHAR');
    expect(columns.find((c) => c.startsWith('items '))).toContain('discount DECIMAL(38,9)');
    expect(columns.find((c) => c.startsWith('shipping_address '))).toContain('postal_code VARCHAR');
    // Every row and every old value stays (the nested records now read the new fields as NULL).
    const after = await sql(OLD_COLUMNS);
    const strip = (rows: Record<string, unknown>[]) =>
      JSON.parse(
        JSON.stringify(rows).replaceAll(',"discount":null', '').replaceAll(',"postal_code":null', ''),
      );
    expect(strip(after)).toEqual(before);
    expect(
      await sql('SELECT count(*)::INTEGER AS n, count(coupon_code)::INTEGER AS coupons FROM orders'),
    ).toEqual([{ n: 40, coupons: 0 }]);
    // The view shows the new column too.
    expect(
      await sql(
        "SELECT count(*)::INTEGER AS n FROM information_schema.columns WHERE table_name = 'orders_dedup' AND column_name = 'coupon_code'",
      ),
    ).toEqual([{ n: 1 }]);
  });

  it('the new version writes events with the new fields into their columns, on both row paths', async () => {
    const result = await shopstream(
      ['backfill', '--from', join(dir, 'backup-2'), '--checkpoint', join(dir, 'cp2.json')],
      v2,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ accepted: 20, deadLettered: 0 });
    const rows = await sql(
      `SELECT order_id, coupon_code, items[1].discount AS discount, shipping_address.postal_code AS postal_code FROM orders WHERE order_id IN (${wave2.map((o) => `'${o.orderId}'`).join(', ')})`,
    );
    expect(rows).toHaveLength(20);
    for (const sent of wave2) {
      const row = rows.find((r) => r.order_id === sent.orderId)!;
      expect(row).toEqual({
        order_id: sent.orderId,
        coupon_code: sent.coupon,
        discount: sent.coupon ? '0.500000000' : null,
        postal_code: sent.coupon ? '69001' : null,
      });
    }
  });

  it('backfill --fill-missing fills the rows stored before, in place, without a duplicate in the views', async () => {
    const fill = () =>
      shopstream(
        [
          'backfill',
          '--from',
          join(dir, 'backup-1'),
          '--fill-missing',
          'orders.coupon_code',
          '--fill-missing',
          'orders.items.discount,orders.shipping_address.postal_code',
        ],
        v2,
      );
    const result = await fill();
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).fillMissing).toMatchObject({
      records: 40,
      accepted: 40,
      updated: {
        'orders.coupon_code': 20,
        'orders.items.discount': 20,
        'orders.shipping_address.postal_code': 20,
      },
    });
    expect(
      await sql(
        'SELECT (SELECT count(*)::INTEGER FROM orders) AS rows, count(*)::INTEGER AS events, count(coupon_code)::INTEGER AS coupons, count(*) FILTER (WHERE items[1].discount = 0.5)::INTEGER AS discounts, count(shipping_address.postal_code)::INTEGER AS postal_codes FROM orders_dedup',
      ),
    ).toEqual([{ rows: 60, events: 60, coupons: 30, discounts: 30, postal_codes: 30 }]);
    const coupons = await sql(
      `SELECT order_id, coupon_code FROM orders_dedup WHERE order_id IN (${wave1.map((o) => `'${o.orderId}'`).join(', ')})`,
    );
    for (const sent of wave1)
      expect(coupons.find((r) => r.order_id === sent.orderId)?.coupon_code).toBe(sent.coupon);
    // Filling again finds nothing missing.
    const again = await fill();
    expect(JSON.parse(again.stdout).fillMissing.updated).toEqual({
      'orders.coupon_code': 0,
      'orders.items.discount': 0,
      'orders.shipping_address.postal_code': 0,
    });
  });

  it('a breaking change fails contract check and is refused by setup, which changes nothing', async () => {
    const check = await runCli([
      'contract',
      'check',
      '--schemas',
      v3,
      '--against',
      join(projectRoot(), 'schemas'),
    ]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/- customer_id\s+BREAKING\s+field-removed/);
    expect(check.stdout).toMatch(/~ total_amount\s+BREAKING\s+type-changed/);
    const columns = await columnsOf('orders');
    const setup = await shopstream(['setup', '--skip-bus'], v3);
    expect(setup.code).toBe(1);
    expect(setup.stderr).toContain('SHOP_E_WAREHOUSE_BREAKING_CHANGE');
    expect(setup.stderr).toContain(
      'orders.total_amount is REQUIRED DECIMAL(38,9) in the warehouse, the model has REQUIRED VARCHAR',
    );
    expect(setup.stderr).toContain('orders.customer_id is in the warehouse but not in the model');
    expect(setup.stderr).toContain('Ways forward');
    const dryRun = await shopstream(['setup', '--skip-bus', '--dry-run'], v3);
    expect(dryRun.code).toBe(1);
    expect(await columnsOf('orders')).toEqual(columns);
    expect(await sql('SELECT count(*)::INTEGER AS n FROM orders')).toEqual([{ n: 60 }]);
  });

  it('the generated files follow the new contract: Terraform JSON schemas, DDL, types', () => {
    const script = `(async () => {
      const { generatedFiles } = await import('./scripts/generated-files.ts');
      const files = Object.fromEntries((await generatedFiles()).map((f) => [f.path, f.content]));
      process.stdout.write(JSON.stringify(files));
    })();`;
    const output = execFileSync(join(projectRoot(), 'node_modules/.bin/tsx'), ['--eval', script], {
      cwd: projectRoot(),
      env: { ...process.env, SHOPSTREAM_SCHEMAS: v2 },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = JSON.parse(output) as Record<string, string>;
    const orders = JSON.parse(files['infra/terraform/schemas/orders.json']!) as {
      name: string;
      mode: string;
      fields?: { name: string; mode: string }[];
    }[];
    expect(orders.find((f) => f.name === 'coupon_code')).toMatchObject({ type: 'STRING', mode: 'NULLABLE' });
    expect(orders.find((f) => f.name === 'items')!.fields).toContainEqual(
      expect.objectContaining({ name: 'discount', mode: 'NULLABLE' }),
    );
    expect(orders.find((f) => f.name === 'shipping_address')!.fields).toContainEqual(
      expect.objectContaining({ name: 'postal_code', mode: 'NULLABLE' }),
    );
    expect(files['sql/duckdb/ddl_ecommerce.sql']).toContain('coupon_code VARCHAR');
    expect(files['src/contract/event-types.generated.ts']).toMatch(/coupon_code\?: string/);
  });
});
