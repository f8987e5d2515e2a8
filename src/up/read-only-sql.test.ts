import { afterAll, describe, expect, it } from 'vitest';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { ReadOnlySqlGuard } from './read-only-sql.js';

const guard = new ReadOnlySqlGuard();
afterAll(() => guard.close());

describe('ReadOnlySqlGuard', () => {
  it.each([
    'SELECT count(*) FROM orders',
    'select * from v_revenue_per_minute order by 1 desc limit 5',
    'FROM orders LIMIT 3',
    'WITH t AS (SELECT 1 AS x) SELECT x FROM t',
    'DESCRIBE orders',
    'SHOW TABLES',
    'SUMMARIZE inventory',
    'SELECT 1; SELECT 2',
  ])('answers read-only %s', async (sql) => {
    await expect(guard.check(sql)).resolves.toBeUndefined();
  });

  it.each([
    'INSERT INTO orders SELECT * FROM orders',
    'DELETE FROM orders',
    'UPDATE inventory SET quantity_change = 0',
    'DROP TABLE orders',
    'CREATE TABLE x AS SELECT 1',
    "COPY orders TO '/tmp/x.csv'",
    "ATTACH '/tmp/other.duckdb'",
    'SET threads = 1',
    'PRAGMA show_tables',
    'CALL pragma_version()',
    'CHECKPOINT',
    'BEGIN TRANSACTION',
    'SELECT 1; DROP TABLE orders',
    'this is not sql',
    '',
  ])('refuses %j with SHOP_E_WAREHOUSE_QUERY', async (sql) => {
    const error = await guard.check(sql).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopstreamError);
    expect((error as ShopstreamError).code).toBe('SHOP_E_WAREHOUSE_QUERY');
  });
});
