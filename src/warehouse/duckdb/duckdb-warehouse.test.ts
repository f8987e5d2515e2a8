import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { SmallDisk } from '../../../test/support/small-disk.js';
import { projectRoot } from '../../util/project-root.js';
import { TABLES } from '../model/tables.js';
import { VIEWS } from '../model/views.js';
import type { ReferenceData } from '../reference-data.js';
import type { IngestErrorRow, OrderRow, UserActivityRow } from '../rows.js';
import { DuckDbWarehouse } from './duckdb-warehouse.js';

const dirs: string[] = [];
function tempPath(...parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'shopstream-duckdb-test-'));
  dirs.push(dir);
  return join(dir, ...parts);
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const open = (path: string) => new DuckDbWarehouse({ uri: `duckdb:${path}`, path });

/** The folders the warehouse's DuckDB may read: its stage and the readable folders. */
async function stagingFolders(warehouse: DuckDbWarehouse): Promise<string[]> {
  const { rows } = await warehouse.query("SELECT current_setting('allowed_directories') AS dirs");
  return rows[0]!.dirs as string[];
}

async function rejection(promise: Promise<unknown>): Promise<ShopstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ShopstreamError);
  return error as ShopstreamError;
}

const orderRow = (n: number, overrides: Partial<OrderRow> = {}): OrderRow => ({
  order_id: `order-${n}`,
  customer_id: 'customer-1',
  order_date: '2024-05-01T10:00:00.123456Z',
  status: 'pending',
  items: [
    { product_id: 'p-1', product_name: 'Gel Pen', quantity: 3, price: 0.125 },
    { product_id: 'p-2', product_name: 'Ergonomic Chair ✓ 椅子', quantity: 1, price: 12345678.91 },
  ],
  shipping_address: { street: '1 Main Street', city: 'Zürich', country: 'CH' },
  total_amount: 12345679.29,
  event_id: `event-${n}`,
  publish_time: '2024-05-01T10:00:01Z',
  ingestion_time: '2024-05-01T10:00:02.5Z',
  ...overrides,
});

/** An order as the pipeline hands it to appendNdjson: JSON without ingestion_time, which the warehouse stamps. */
const orderJson = (n: number, overrides: Partial<OrderRow> = {}): string => {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { ingestion_time, ...columns } = orderRow(n, overrides);
  return JSON.stringify(columns);
};

const universe = (suffix: string): ReferenceData => ({
  customers: [
    {
      customer_id: `c-${suffix}`,
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.com',
      street: '1 Main Street',
      city: 'London',
      country: 'GB',
      preferred_platform: 'web',
      signup_date: '2023-12-31',
    },
  ],
  products: [
    { product_id: `p-${suffix}`, product_name: 'Lamp', category: 'Home', price: 5.5, reorder_point: 3 },
  ],
  warehouses: [{ warehouse_id: `w-${suffix}`, warehouse_name: 'Hub', city: 'Berlin', country: 'DE' }],
});

describe('DuckDbWarehouse', () => {
  let warehouse: DuckDbWarehouse;
  let path: string;

  beforeEach(async () => {
    path = tempPath('nested', 'folders', 'warehouse.duckdb');
    warehouse = open(path);
    await warehouse.start();
  });
  afterEach(async () => {
    await warehouse.close();
  });

  it('creates the folders of the database file on start', () => {
    expect(existsSync(path)).toBe(true);
  });

  it('creates every table and view of the model, idempotently, with their descriptions', async () => {
    await warehouse.ensureSchema();
    await warehouse.ensureSchema();
    const { rows } = await warehouse.query(
      "SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1",
    );
    expect(rows).toEqual(
      [
        ...TABLES.map((t) => ({ name: t.name, type: 'BASE TABLE' })),
        ...VIEWS.map((v) => ({ name: v.name, type: 'VIEW' })),
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
    const comments = await warehouse.query("SELECT comment FROM duckdb_tables() WHERE table_name = 'orders'");
    expect(comments.rows).toEqual([{ comment: TABLES[0]!.description }]);
    const statuses = await warehouse.query(
      'SELECT status, lifecycle_rank FROM ref_order_status ORDER BY lifecycle_rank',
    );
    expect(statuses.rows.map((r) => r.status)).toEqual(['pending', 'processing', 'shipped', 'delivered']);
  });

  it.each(VIEWS.map((v) => [v.name, v] as const))(
    'view %s returns the columns the model documents',
    async (_name, view) => {
      await warehouse.ensureSchema();
      const { columns } = await warehouse.query(`SELECT * FROM ${view.name} LIMIT 0`);
      expect(columns).toEqual(view.columns.map((c) => c.name));
    },
  );

  it('refuses, changing nothing, a table whose columns the model would retype or require (SHOP_E_WAREHOUSE_BREAKING_CHANGE)', async () => {
    await warehouse.query('CREATE TABLE orders (order_id VARCHAR)');
    const error = await rejection(warehouse.ensureSchema());
    expect(error.code).toBe('SHOP_E_WAREHOUSE_BREAKING_CHANGE');
    expect(error.message).toContain(
      'orders.order_id is NULLABLE VARCHAR in the warehouse, the model has REQUIRED VARCHAR',
    );
    expect(error.message).toContain('orders.customer_id is a new REQUIRED column');
    const { rows } = await warehouse.query(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'inventory'",
    );
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('replaces the ref_ rows on each load, and keeps the old ones when a load fails', async () => {
    await warehouse.ensureSchema();
    await warehouse.loadReferenceData(universe('a'));
    await warehouse.loadReferenceData(universe('b'));
    await warehouse.loadReferenceData(universe('b'));
    const ids = async () =>
      (
        await warehouse.query(
          'SELECT (SELECT list(customer_id) FROM ref_customers) AS c, (SELECT list(product_id) FROM ref_products) AS p, (SELECT list(warehouse_id) FROM ref_warehouses) AS w',
        )
      ).rows;
    expect(await ids()).toEqual([{ c: ['c-b'], p: ['p-b'], w: ['w-b'] }]);
    const broken = universe('c');
    const bad = {
      ...broken,
      warehouses: [{ ...broken.warehouses[0]!, warehouse_name: null as unknown as string }],
    };
    const error = await rejection(warehouse.loadReferenceData(bad));
    expect(error.code).toBe('SHOP_E_WAREHOUSE_QUERY');
    expect(await ids()).toEqual([{ c: ['c-b'], p: ['p-b'], w: ['w-b'] }]);
    const signup = await warehouse.query(
      'SELECT signup_date, typeof(signup_date) AS type FROM ref_customers',
    );
    expect(signup.rows).toEqual([{ signup_date: '2023-12-31', type: 'DATE' }]);
  });

  it('appends nested rows exactly: microseconds, UTC, exact decimals, Unicode; extra keys are ignored', async () => {
    await warehouse.ensureSchema();
    const extra = { ...orderRow(1), unexpected: 'not a column' } as OrderRow;
    await warehouse.append('orders', [
      extra,
      orderRow(2, { order_date: '2024-05-01T12:00:00.000001+02:00' }),
    ]);
    const { rows } = await warehouse.query('SELECT * FROM orders ORDER BY order_id');
    expect(rows[0]).toEqual({
      ...orderRow(1),
      publish_time: '2024-05-01T10:00:01.000Z',
      ingestion_time: '2024-05-01T10:00:02.500Z',
    });
    expect(rows[1]!.order_date).toBe('2024-05-01T10:00:00.000001Z');
    const exact = await warehouse.query(
      'SELECT sum(total_amount)::VARCHAR AS total, sum(i.price * i.quantity)::VARCHAR AS lines FROM orders, unnest(items) AS u(i)',
    );
    expect(exact.rows).toEqual([{ total: '49382717.160000000', lines: '24691358.570000000' }]);
  });

  it('writes a lone UTF-16 surrogate (possible in JSON text) as U+FFFD instead of failing', async () => {
    await warehouse.ensureSchema();
    const row: UserActivityRow = {
      user_id: 'u',
      activity_type: 'login',
      ip_address: '::1',
      user_agent: 'agent \ud800 broken',
      timestamp: '2024-05-01T10:00:00Z',
      metadata: { session_id: 's', platform: 'web' },
      event_id: 'e',
      publish_time: '2024-05-01T10:00:00Z',
      ingestion_time: '2024-05-01T10:00:00Z',
    };
    await warehouse.append('user_activity', [row]);
    expect((await warehouse.query('SELECT user_agent FROM user_activity')).rows).toEqual([
      { user_agent: 'agent \ufffd broken' },
    ]);
  });

  it('writes a batch all or nothing: an amount beyond NUMERIC rejects it, not retryable', async () => {
    await warehouse.ensureSchema();
    const error = await rejection(
      warehouse.append('orders', [orderRow(1), orderRow(2, { total_amount: 1e30 })]),
    );
    expect(error.code).toBe('SHOP_E_WAREHOUSE_QUERY');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^orders: the warehouse rejected the write: .*decimal/i);
    expect((await warehouse.query('SELECT count(*) AS n FROM orders')).rows).toEqual([{ n: 0 }]);
  });

  it('says to run setup when a table is missing (SHOP_E_WAREHOUSE_SCHEMA)', async () => {
    const error = await rejection(warehouse.append('orders', [orderRow(1)]));
    expect(error.code).toBe('SHOP_E_WAREHOUSE_SCHEMA');
    expect(error.message).toMatch(/shopstream setup/);
  });

  it('serializes concurrent appends on its one writer: every row lands', async () => {
    await warehouse.ensureSchema();
    const error: IngestErrorRow = {
      error_code: 'SHOP_E_DECODE_JSON',
      error_path: '',
      error_message: 'bad',
      message_id: 'm',
      event_id: 'x',
      publish_time: '2024-05-01T10:00:00Z',
      ingestion_time: '2024-05-01T10:00:00Z',
      attributes: '{"a":"1"}',
      payload: '{',
      payload_encoding: 'utf8',
    };
    await Promise.all([
      ...Array.from({ length: 20 }, (_, batch) =>
        warehouse.append(
          'orders',
          Array.from({ length: 50 }, (_, i) => orderRow(batch * 50 + i)),
        ),
      ),
      warehouse.appendErrors([error, { ...error, message_id: 'm2' }]),
      warehouse.query('SELECT count(*) FROM orders'),
    ]);
    const { rows } = await warehouse.query(
      'SELECT (SELECT count(DISTINCT order_id) FROM orders) AS orders, (SELECT count(*) FROM ingest_errors) AS errors, (SELECT count(*) FROM error_counts) AS codes',
    );
    expect(rows).toEqual([{ orders: 1000, errors: 2, codes: 1 }]);
  });

  it('checkpoints the WAL into the file at its checkpoint threshold, so the WAL a crash replays stays that small', async () => {
    const walBytesAfter = async (checkpointThreshold: string | undefined): Promise<number> => {
      const file = tempPath('warehouse.duckdb');
      const small = new DuckDbWarehouse({ uri: `duckdb:${file}`, path: file, checkpointThreshold });
      await small.start();
      try {
        await small.ensureSchema();
        for (let batch = 0; batch < 10; batch++)
          await small.append(
            'orders',
            Array.from({ length: 1_000 }, (_, i) => orderRow(batch * 1_000 + i)),
          );
        const { rows } = await small.query('SELECT count(*) AS orders FROM orders');
        expect(rows).toEqual([{ orders: 10_000 }]);
        return existsSync(`${file}.wal`) ? statSync(`${file}.wal`).size : 0;
      } finally {
        await small.close();
      }
    };
    const byDefault = await walBytesAfter(undefined);
    expect(byDefault).toBeGreaterThan(2 * 1024 * 1024); // the 10,000 rows are all still in the WAL
    expect(await walBytesAfter('1MB')).toBeLessThan(1.5 * 1024 * 1024);
  });

  it('stores appended rows in row groups of its rowGroupSize, in the same file, which later opens without it read whole', async () => {
    const file = tempPath('warehouse.duckdb');
    const rowGroupsOfOrders = async (target: DuckDbWarehouse): Promise<unknown> =>
      (
        await target.query(
          "SELECT count(DISTINCT row_group_id) AS row_groups FROM pragma_storage_info('orders')",
        )
      ).rows;
    const small = new DuckDbWarehouse({ uri: `duckdb:${file}`, path: file, rowGroupSize: 2_048 });
    await small.start();
    try {
      await small.ensureSchema();
      await small.append(
        'orders',
        Array.from({ length: 10_000 }, (_, i) => orderRow(i)),
      );
      await small.query('CHECKPOINT');
      expect(await rowGroupsOfOrders(small)).toEqual([{ row_groups: 5 }]); // 10,000 / 2,048
    } finally {
      await small.close();
    }
    const plain = new DuckDbWarehouse({ uri: `duckdb:${file}`, path: file });
    await plain.start();
    try {
      const { rows } = await plain.query('SELECT count(DISTINCT order_id) AS orders FROM orders');
      expect(rows).toEqual([{ orders: 10_000 }]);
      expect(await rowGroupsOfOrders(plain)).toEqual([{ row_groups: 5 }]);
    } finally {
      await plain.close();
    }
  });

  it('with a rowGroupSize, opens a file named after a catalog DuckDB keeps (main, system, temp, memory), under the name a direct open gives it', async () => {
    const catalogOf = async (target: DuckDbWarehouse): Promise<unknown> =>
      (await target.query('SELECT current_database() AS catalog')).rows[0];
    for (const stem of ['main', 'system', 'temp', 'memory', 'Memory']) {
      const file = tempPath(`${stem}.duckdb`);
      const attached = new DuckDbWarehouse({ uri: `duckdb:${file}`, path: file, rowGroupSize: 2_048 });
      await attached.start();
      try {
        await attached.ensureSchema();
        await attached.append('orders', [orderRow(1), orderRow(2)]);
        const { rows } = await attached.query('SELECT count(*) AS orders FROM orders');
        expect(rows).toEqual([{ orders: 2 }]);
        expect(await catalogOf(attached)).toEqual({ catalog: `${stem}_db` });
      } finally {
        await attached.close();
      }
      // Opened directly, DuckDB itself names the file's catalog `main_db`, `system_db`, `temp_db`; the
      // in-memory instance's own catalog is `memory`, so there only the attached name differs.
      if (stem.toLowerCase() === 'memory') continue;
      const direct = new DuckDbWarehouse({ uri: `duckdb:${file}`, path: file });
      await direct.start();
      try {
        expect(await catalogOf(direct)).toEqual({ catalog: `${stem}_db` });
      } finally {
        await direct.close();
      }
    }
  });

  it('refuses a rowGroupSize or reopenAfterRows that is not a positive whole number, naming it', () => {
    for (const name of ['rowGroupSize', 'reopenAfterRows'])
      for (const rows of [0, 2.5, Number.NaN])
        expect(
          () => new DuckDbWarehouse({ uri: 'duckdb:x', path: tempPath('x.duckdb'), [name]: rows }),
        ).toThrow(
          expect.objectContaining({
            code: 'SHOP_E_CONFIG_INVALID',
            message: expect.stringContaining(`${name} ${rows} `),
          }),
        );
  });

  it('never reopens an in-memory warehouse after reopenAfterRows rows: its rows would go with it', async () => {
    const inMemory = new DuckDbWarehouse({ uri: 'duckdb::memory:', path: ':memory:', reopenAfterRows: 100 });
    await inMemory.start();
    try {
      await inMemory.ensureSchema();
      for (let batch = 0; batch < 3; batch++)
        await inMemory.append(
          'orders',
          Array.from({ length: 100 }, (_, i) => orderRow(batch * 100 + i)),
        );
      expect((await inMemory.query('SELECT count(*) AS n FROM orders')).rows).toEqual([{ n: 300 }]);
      expect(inMemory.plannedReopens).toBe(0);
    } finally {
      await inMemory.close();
    }
  });

  it('closes and opens the database again after reopenAfterRows appended rows, keeping every row, while appends and queries go on', async () => {
    const file = tempPath('warehouse.duckdb');
    const reopening = new DuckDbWarehouse({
      uri: `duckdb:${file}`,
      path: file,
      rowGroupSize: 2_048,
      reopenAfterRows: 1_000,
    });
    await reopening.start();
    try {
      await reopening.ensureSchema();
      const ndjson = (from: number, count: number): Buffer =>
        Buffer.from(Array.from({ length: count }, (_, i) => orderJson(from + i)).join('\n'));
      // 2,500 rows in ten appends of both kinds, one after another as the pipeline's commits come,
      // each with a query it does not wait for: two reopens, at 1,000 and 2,000 rows.
      const counts: Promise<unknown>[] = [];
      for (let batch = 0; batch < 10; batch++) {
        await (batch % 2 === 0
          ? reopening.append(
              'orders',
              Array.from({ length: 250 }, (_, i) => orderRow(batch * 250 + i)),
            )
          : reopening.appendNdjson('orders', ndjson(batch * 250, 250), 250));
        counts.push(reopening.query('SELECT count(*) AS n FROM orders').then(({ rows }) => rows[0]!.n));
      }
      // Each query sees at least the rows committed before it was asked (a later append may beat it).
      for (const [batch, count] of (await Promise.all(counts)).entries())
        expect(count).toBeGreaterThanOrEqual((batch + 1) * 250);
      expect(reopening.plannedReopens).toBe(2);
      expect(reopening.reopens).toBe(0);
      const { rows } = await reopening.query('SELECT count(DISTINCT order_id) AS orders FROM orders');
      expect(rows).toEqual([{ orders: 2_500 }]);
    } finally {
      await reopening.close();
    }
    const plain = open(file);
    await plain.start();
    try {
      expect((await plain.query('SELECT count(*) AS n FROM orders')).rows).toEqual([{ n: 2_500 }]);
    } finally {
      await plain.close();
    }
  });

  it('commits concurrent NDJSON appends in groups: all land stamped with their write time, and a bad group fails all its callers and stores none of it', async () => {
    await warehouse.ensureSchema();
    const before = new Date().toISOString();
    await Promise.all(
      Array.from({ length: 11 }, (_, batch) =>
        warehouse.appendNdjson(
          'orders',
          Buffer.from(Array.from({ length: 30 }, (_, i) => orderJson(batch * 30 + i)).join('\n')),
          30,
        ),
      ),
    );
    const after = new Date().toISOString();
    expect(
      (
        await warehouse.query(
          `SELECT count(*) AS n FROM orders WHERE ingestion_time BETWEEN '${before}' AND '${after}'`,
        )
      ).rows,
    ).toEqual([{ n: 330 }]);

    // Three calls made together form one group: one bad row fails all three, and stores none of them.
    const group = [orderJson(1000), orderJson(1001), orderJson(1002, { total_amount: 1e30 })].map((line) =>
      warehouse.appendNdjson('orders', Buffer.from(line), 1),
    );
    for (const call of group) expect((await rejection(call)).code).toBe('SHOP_E_WAREHOUSE_QUERY');
    expect(
      (
        await warehouse.query(
          "SELECT count(*) AS n FROM orders WHERE order_id IN ('order-1000', 'order-1001', 'order-1002')",
        )
      ).rows,
    ).toEqual([{ n: 0 }]);
    // Retried without the bad row, the good rows land.
    await Promise.all([
      warehouse.appendNdjson('orders', Buffer.from(orderJson(1000)), 1),
      warehouse.appendNdjson('orders', Buffer.from(orderJson(1001)), 1),
    ]);
    const { rows } = await warehouse.query(
      "SELECT order_id FROM orders WHERE order_id IN ('order-1000', 'order-1001', 'order-1002') ORDER BY 1",
    );
    expect(rows).toEqual([{ order_id: 'order-1000' }, { order_id: 'order-1001' }]);
  });

  it('rejects bad SQL with the engine message (SHOP_E_WAREHOUSE_QUERY)', async () => {
    const syntax = await rejection(warehouse.query('SELEC 1'));
    expect(syntax.code).toBe('SHOP_E_WAREHOUSE_QUERY');
    expect(syntax.message).toMatch(/^Parser Error: syntax error at or near "SELEC"/);
    const unknown = await rejection(warehouse.query('SELECT * FROM no_such_table'));
    expect(unknown.code).toBe('SHOP_E_WAREHOUSE_QUERY');
    expect(unknown.message).toMatch(/Table with name no_such_table does not exist/);
  });

  it('returns plain JS values: exact numbers as numbers, others as text; ISO timestamps; arrays and objects', async () => {
    const { columns, rows } = await warehouse.query(`SELECT
      42::BIGINT AS big, 12345678901234567890::HUGEINT AS huge, 19.99::DECIMAL(38,9) AS price,
      123456789012345678.123456789::DECIMAL(38,9) AS precise, 1.5::DOUBLE AS dbl, DATE '2024-02-29' AS day,
      TIMESTAMPTZ '1969-12-31 23:59:59.999999+00' AS before_epoch, TIMESTAMPTZ 'infinity' AS forever,
      [1, 2] AS list, {'a': [{'b': 1.25::DECIMAL(38,9)}]} AS nested, 'ab'::BLOB AS bytes, NULL AS nothing,
      true AS yes, 1 AS same, 2 AS same`);
    expect(columns).toEqual([
      ...'big huge price precise dbl day before_epoch forever list nested bytes nothing yes same same:1'.split(
        ' ',
      ),
    ]);
    expect(rows).toEqual([
      {
        big: 42,
        huge: '12345678901234567890',
        price: 19.99,
        precise: '123456789012345678.123456789',
        dbl: 1.5,
        day: '2024-02-29',
        before_epoch: '1969-12-31T23:59:59.999999Z',
        forever: 'infinity',
        list: [1, 2],
        nested: { a: [{ b: 1.25 }] },
        bytes: 'YWI=',
        nothing: null,
        yes: true,
        same: 1,
        'same:1': 2,
      },
    ]);
  });

  it('stages beside the file, removes the stage folder on close, and refuses work after close', async () => {
    const path = tempPath('staged.duckdb');
    const staged = open(path);
    await staged.start();
    await staged.ensureSchema();
    await staged.append('orders', [orderRow(1)]);
    expect(await stagingFolders(staged)).toContain(`${path}.stage/`);
    expect(readdirSync(`${path}.stage`)).toEqual([]); // a staged file goes once inserted
    await staged.close();
    expect(existsSync(`${path}.stage`)).toBe(false);
    const error = await rejection(staged.query('SELECT 1'));
    expect(error.code).toBe('SHOP_E_WAREHOUSE_UNAVAILABLE');
  });

  it('removes what a killed process left in the stage folder once it holds the file', async () => {
    const path = tempPath('crashed.duckdb');
    const first = open(path);
    await first.start();
    await first.ensureSchema();
    await first.close();
    // As a process SIGKILLed between staging and inserting leaves it.
    mkdirSync(`${path}.stage`);
    writeFileSync(`${path}.stage/rows-7.ndjson`, '{"order_id":"half');
    const second = open(path);
    await second.start();
    expect(readdirSync(`${path}.stage`)).toEqual([]);
    await second.append('orders', [orderRow(2)]);
    expect((await second.query('SELECT order_id FROM orders')).rows).toEqual([{ order_id: 'order-2' }]);
    await second.close();
  });
});

describe('DuckDbWarehouse and other processes', () => {
  let holder: ChildProcess | undefined;
  afterEach(() => {
    holder?.kill();
    holder = undefined;
  });

  it('reports a file locked by another process as retryable SHOP_E_WAREHOUSE_UNAVAILABLE, and opens once it is free', async () => {
    const path = tempPath('locked.duckdb');
    // Another process opens the file and keeps it open, as `shopstream up` does. It holds the
    // instance in a global: a local one is garbage once the script has run, and the first GC (V8's
    // memory reducer runs one in an idle process) closes the database and frees the lock.
    holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         globalThis.db = await DuckDBInstance.create(${JSON.stringify(path)});
         globalThis.connection = await globalThis.db.connect();
         await globalThis.connection.run('CREATE TABLE t (x INT)');
         console.log('ready');
         setInterval(() => {}, 1000);`,
      ],
      { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      holder!.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
    });
    // What the holder staged is its own: a process that cannot take the lock must not touch it.
    mkdirSync(`${path}.stage`);
    writeFileSync(`${path}.stage/rows-0.ndjson`, '{"x":1}\n');
    const warehouse = open(path);
    const error = await rejection(warehouse.start());
    expect(error.code).toBe('SHOP_E_WAREHOUSE_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/is locked by another process \(.*PID \d+\)/);
    expect(readdirSync(`${path}.stage`)).toEqual(['rows-0.ndjson']);

    const exited = new Promise((resolve) => holder!.on('exit', resolve));
    holder.kill();
    await exited;
    await warehouse.start();
    expect((await warehouse.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 0 }]);
    await warehouse.close();
  });

  it('works in memory too, staging in a private temp folder it removes on close', async () => {
    const warehouse = new DuckDbWarehouse({ uri: 'duckdb::memory:', path: ':memory:' });
    await warehouse.start();
    await warehouse.ensureSchema();
    await warehouse.append('orders', [orderRow(1)]);
    expect((await warehouse.query('SELECT count(*) AS n FROM orders_dedup')).rows).toEqual([{ n: 1 }]);
    const stage = (await stagingFolders(warehouse)).find((d) =>
      d.startsWith(join(tmpdir(), 'shopstream-duckdb-')),
    );
    expect(stage && existsSync(stage)).toBe(true);
    await warehouse.close();
    expect(existsSync(stage!)).toBe(false);
  });
});

/**
 * What a query can reach: the warehouse's tables and the readable folders, nothing else of the machine
 * (DuckDB's enable_external_access off, allowed_directories, configuration locked). Each refusal names
 * the path and says it is disabled by configuration.
 */
describe('DuckDbWarehouse confines queries to the warehouse', () => {
  let warehouse: DuckDbWarehouse;
  let lakeDir: string;
  let http: Server;
  let httpRequests = 0;
  let url = '';

  beforeAll(async () => {
    lakeDir = tempPath('lake');
    mkdirSync(join(lakeDir, 'output'), { recursive: true });
    writeFileSync(join(lakeDir, 'output', 'a.json'), '{"event_id":"x","n":1}\n');
    writeFileSync(tempPath('outside.csv'), 'secret\n1\n');
    http = createServer((_req, res) => {
      httpRequests++;
      res.end('a,b\n1,2\n');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/data.csv`;
    const path = tempPath('confined.duckdb');
    warehouse = new DuckDbWarehouse({ uri: `duckdb:${path}`, path, readableDirectories: [lakeDir] });
    await warehouse.start();
    await warehouse.ensureSchema();
  });
  afterAll(async () => {
    await warehouse?.close();
    http?.close();
  });

  it.each([
    [
      'a file outside the readable folders',
      "SELECT content FROM read_text('/etc/hostname')",
      '/etc/hostname',
    ],
    ['a CSV outside them', "SELECT * FROM read_csv('/etc/passwd')", '/etc/passwd'],
    [
      'a path that climbs out of a readable folder',
      () => `SELECT * FROM read_text('${lakeDir}/../outside.csv')`,
      'outside.csv',
    ],
    ['a listing of another folder', "SELECT * FROM glob('/etc/*')", '/etc/*'],
    [
      'ATTACH of another database file',
      () => `ATTACH '${tempPath('other.duckdb')}' AS other`,
      'other.duckdb',
    ],
    ['an http URL', () => `SELECT * FROM read_csv('${url}')`, '127.0.0.1'],
  ] as const)('refuses %s', async (_what, sql, named) => {
    const error = await rejection(warehouse.query(typeof sql === 'function' ? sql() : sql));
    expect(error.code).toBe('SHOP_E_WAREHOUSE_QUERY');
    expect(error.message).toMatch(
      /^Permission Error: Cannot access (file|directory) .*disabled by configuration/,
    );
    expect(error.message).toContain(named);
  });

  it('fetched nothing over http', () => {
    expect(httpRequests).toBe(0);
  });

  it('refuses INSTALL and LOAD of extensions', async () => {
    for (const sql of ['INSTALL httpfs', 'LOAD httpfs']) {
      const error = await rejection(warehouse.query(sql));
      expect(error.message).toMatch(
        /^Permission Error: .*(disabled by configuration|disabled through configuration)/,
      );
    }
  });

  it('refuses to turn any of it back on: the configuration is locked', async () => {
    for (const sql of [
      'SET enable_external_access = true',
      "SET allowed_directories = ['/']",
      'SET lock_configuration = false',
    ]) {
      const error = await rejection(warehouse.query(sql));
      expect(error.message).toMatch(/the configuration has been locked/);
    }
    const error = await rejection(warehouse.query("SELECT content FROM read_text('/etc/hostname')"));
    expect(error.message).toMatch(/disabled by configuration/);
  });

  it('still reads the readable folders, answers the views and takes appends', async () => {
    const lake = await warehouse.query(`SELECT n FROM read_json('${lakeDir}/output/*.json')`);
    expect(lake.rows).toEqual([{ n: 1 }]);
    await warehouse.append('orders', [orderRow(1)]);
    await warehouse.appendNdjson('orders', Buffer.from(JSON.stringify(orderRow(2)) + '\n'), 1);
    expect((await warehouse.query('SELECT count(*) AS n FROM orders_dedup')).rows).toEqual([{ n: 2 }]);
    expect((await warehouse.query('SELECT * FROM daily_sales_by_country')).rows).toHaveLength(1);
  });
});

const canMount = SmallDisk.supported();

/**
 * DuckDB invalidates a database after a fatal error; provoked for real: the disk under the file is
 * full (a small tmpfs) when a checkpoint must write the WAL's rows into the file. The adapter closes
 * and opens the database again, and the rows committed before are all there (the WAL is replayed).
 */
describe.runIf(canMount)('DuckDbWarehouse after DuckDB invalidated the database (real full disk)', () => {
  const disks: SmallDisk[] = [];
  afterAll(() => disks.forEach((disk) => disk.unmount()));

  // A file attached with a rowGroupSize fails its checkpoint with other words than one opened directly.
  it.each([
    ['opened directly', {}, /FATAL Error: Failed to create checkpoint.*No space left on device/s],
    ['attached with a rowGroupSize', { rowGroupSize: 2_048 }, /Checkpoint failed.*No space left on device/s],
  ])(
    'reopens the database by itself (%s): committed rows kept, later writes and queries work',
    async (_, options, message) => {
      const disk = SmallDisk.mount(tempPath('small'), 64);
      disks.push(disk);
      const path = join(disk.dir, 'warehouse.duckdb');
      const setup = open(path);
      await setup.start();
      await setup.ensureSchema();
      await setup.close();
      const warehouse = new DuckDbWarehouse({ uri: `duckdb:${path}`, path, ...options });
      await warehouse.start();
      for (let batch = 0; batch < 5; batch++)
        await warehouse.append(
          'orders',
          Array.from({ length: 20 }, (_, i) => orderRow(batch * 20 + i, { event_id: `e${batch * 20 + i}` })),
        );

      disk.fill();
      const fatal = await rejection(warehouse.query('CHECKPOINT'));
      expect(fatal.message).toMatch(message);
      expect([fatal.code, fatal.retryable]).toEqual(['SHOP_E_WAREHOUSE_UNAVAILABLE', true]);
      disk.free();

      // As the pipeline does: a retryable failure is tried again.
      const retried = async <T>(work: () => Promise<T>): Promise<T> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await work();
          } catch (error) {
            if (attempt >= 5 || !(error instanceof ShopstreamError) || !error.retryable) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      };
      await retried(() => warehouse.append('orders', [orderRow(100, { event_id: 'e100' })]));
      const { rows } = await retried(() =>
        warehouse.query('SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM orders'),
      );
      expect(rows).toEqual([{ n: 101, ids: 101 }]);
      expect(warehouse.reopens).toBe(1);
      await warehouse.close();
    },
  );
});
