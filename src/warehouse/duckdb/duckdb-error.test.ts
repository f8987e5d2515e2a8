import { describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { duckDbError, isFatalDuckDbError } from './duckdb-error.js';

// The engine messages below are DuckDB's own wording (1.x); the lock and SQL cases are also exercised
// against a real database in duckdb-warehouse.test.ts.
const at = { path: '/data/warehouse.duckdb' } as const;

describe('duckDbError', () => {
  it('maps a full disk to a retryable SHOP_E_WAREHOUSE_UNAVAILABLE', () => {
    const error = duckDbError(
      new Error('IO Error: Could not write file "/data/warehouse.duckdb.wal": No space left on device'),
      {
        ...at,
        action: 'append',
        table: 'orders',
      },
    );
    expect([error.code, error.retryable]).toEqual(['SHOP_E_WAREHOUSE_UNAVAILABLE', true]);
    expect(error.context).toMatchObject({ table: 'orders', engine: expect.stringMatching(/No space left/) });
  });

  it.each([
    'FATAL Error: Failed: database has been invalidated because of a previous fatal error.',
    'FATAL Error: Failed to create checkpoint because of error: Could not write file "/data/warehouse.duckdb": No space left on device',
  ])('reports a fatal error as retryable (the adapter reopens the database): %s', (engine) => {
    const error = duckDbError(new Error(engine), { ...at, action: 'append', table: 'orders' });
    expect([error.code, error.retryable]).toEqual(['SHOP_E_WAREHOUSE_UNAVAILABLE', true]);
    expect(error.message).toMatch(/reopening it/);
    expect(isFatalDuckDbError(new Error(engine))).toBe(true);
    expect(isFatalDuckDbError(error)).toBe(true);
  });

  it('tells fatal errors from the others', () => {
    expect(isFatalDuckDbError(new Error('IO Error: No space left on device'))).toBe(false);
    expect(isFatalDuckDbError(new ShopstreamError('SHOP_E_WAREHOUSE_UNAVAILABLE', 'not started'))).toBe(
      false,
    );
  });

  it('keeps a ShopstreamError as it is, and reports anything else as the engine said it', () => {
    const ours = new ShopstreamError('SHOP_E_WAREHOUSE_SCHEMA', 'x');
    expect(duckDbError(ours, { ...at, action: 'ensureSchema' })).toBe(ours);
    const conversion = duckDbError(new Error('Conversion Error: Could not convert string "x" to INT64'), {
      ...at,
      action: 'appendErrors',
      table: 'ingest_errors',
    });
    expect([conversion.code, conversion.retryable, conversion.message]).toEqual([
      'SHOP_E_WAREHOUSE_QUERY',
      false,
      'ingest_errors: the warehouse rejected the write: Conversion Error: Could not convert string "x" to INT64',
    ]);
  });
});
