import { describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { GRPC_STATUS } from '../../util/grpc-status.js';
import { isTransientWriteError, toWarehouseError } from './to-warehouse-error.js';

const grpc = (code: number, details = 'boom') =>
  Object.assign(new Error(`${code} ${details}`), { code, details });
const http = (code: number, message = 'boom') =>
  Object.assign(new Error(message), { code, errors: [{ reason: 'x', message }] });

describe('toWarehouseError', () => {
  it.each(['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'INTERNAL', 'ABORTED', 'DEADLINE_EXCEEDED'] as const)(
    'makes gRPC %s a retryable SHOP_E_WAREHOUSE_UNAVAILABLE',
    (name) => {
      const error = toWarehouseError(grpc(GRPC_STATUS[name]), 'append 1 rows to orders', 'write');
      expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_UNAVAILABLE', retryable: true });
      expect(error.message).toContain('append 1 rows to orders: boom');
    },
  );

  it('makes a refused write non-retryable: rejected rows, missing tables, schema mismatch', () => {
    expect(toWarehouseError(grpc(GRPC_STATUS.INVALID_ARGUMENT), 'w', 'write')).toMatchObject({
      code: 'SHOP_E_WAREHOUSE_REJECTED',
      retryable: false,
    });
    expect(toWarehouseError(grpc(GRPC_STATUS.PERMISSION_DENIED), 'w', 'write').message).toMatch(
      /BigQuery roles/,
    );
    expect(toWarehouseError(grpc(GRPC_STATUS.NOT_FOUND), 'w', 'write')).toMatchObject({
      code: 'SHOP_E_WAREHOUSE_SCHEMA',
    });
    expect(
      toWarehouseError(
        grpc(GRPC_STATUS.INVALID_ARGUMENT, 'Input schema has more fields than BigQuery schema'),
        'w',
        'write',
      ),
    ).toMatchObject({ code: 'SHOP_E_WAREHOUSE_SCHEMA', retryable: false });
  });

  it("makes a refused query SHOP_E_WAREHOUSE_QUERY with the engine's message", () => {
    const error = toWarehouseError(
      http(400, 'Syntax error: Unexpected keyword FORM at [1:10]'),
      'run query',
      'query',
    );
    expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_QUERY', retryable: false });
    expect(error.message).toBe('bigquery: Syntax error: Unexpected keyword FORM at [1:10]');
    expect(toWarehouseError(http(404, 'Not found: Table p:d.t'), 'run query', 'query').code).toBe(
      'SHOP_E_WAREHOUSE_QUERY',
    );
  });

  it('makes REST 429/5xx and network failures retryable, and 4xx admin failures not', () => {
    for (const code of [429, 500, 503]) {
      expect(toWarehouseError(http(code), 'x', 'admin')).toMatchObject({
        code: 'SHOP_E_WAREHOUSE_UNAVAILABLE',
        retryable: true,
      });
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(toWarehouseError(refused, 'x', 'query')).toMatchObject({
      code: 'SHOP_E_WAREHOUSE_UNAVAILABLE',
      retryable: true,
    });
    expect(toWarehouseError(http(400), 'x', 'admin')).toMatchObject({
      code: 'SHOP_E_WAREHOUSE_REJECTED',
      retryable: false,
    });
    expect(toWarehouseError(http(404), 'x', 'admin')).toMatchObject({ code: 'SHOP_E_WAREHOUSE_SCHEMA' });
  });

  it('explains missing Application Default Credentials', () => {
    const error = toWarehouseError(
      new Error('Could not load the default credentials.'),
      'reach dataset p.d',
      'admin',
    );
    expect(error).toMatchObject({ code: 'SHOP_E_WAREHOUSE_UNAVAILABLE', retryable: false });
    expect(error.message).toContain('gcloud auth application-default login');
  });

  it('passes ShopstreamErrors through', () => {
    const original = new ShopstreamError('SHOP_E_WAREHOUSE_REJECTED', 'no');
    expect(toWarehouseError(original, 'x', 'write')).toBe(original);
  });
});

describe('isTransientWriteError', () => {
  it('retries a connection the library dropped (no code) but not a refused request', () => {
    expect(isTransientWriteError(new Error('aborted'))).toBe(true);
    expect(isTransientWriteError(grpc(GRPC_STATUS.INVALID_ARGUMENT))).toBe(false);
    expect(isTransientWriteError(grpc(GRPC_STATUS.UNAUTHENTICATED))).toBe(false);
  });
});
