import { describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { GRPC_STATUS } from '../../util/grpc-status.js';
import { toBusError } from './to-bus-error.js';

/** An error shaped like the client library's (google-gax ServiceError). */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details });
}

describe('toBusError', () => {
  it('maps NOT_FOUND to SHOP_E_BUS_NOT_FOUND, pointing at setup', () => {
    const error = toBusError(grpcError(GRPC_STATUS.NOT_FOUND, 'Topic not found'), 'publish to topic "t"', {
      topic: 't',
    });
    expect(error.code).toBe('SHOP_E_BUS_NOT_FOUND');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('publish to topic "t": Topic not found');
    expect(error.message).toContain('shopstream setup');
    expect(error.context).toMatchObject({ topic: 't', grpcCode: GRPC_STATUS.NOT_FOUND });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([
    'UNAVAILABLE',
    'DEADLINE_EXCEEDED',
    'RESOURCE_EXHAUSTED',
    'ABORTED',
    'INTERNAL',
    'CANCELLED',
  ] as const)('maps %s to a retryable SHOP_E_BUS_UNAVAILABLE', (name) => {
    const error = toBusError(grpcError(GRPC_STATUS[name], 'x'), 'pull');
    expect(error.code).toBe('SHOP_E_BUS_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });

  it.each(['PERMISSION_DENIED', 'UNAUTHENTICATED', 'INVALID_ARGUMENT', 'FAILED_PRECONDITION'] as const)(
    'maps %s to a SHOP_E_BUS_UNAVAILABLE that is not retryable',
    (name) => {
      const error = toBusError(grpcError(GRPC_STATUS[name], 'x'), 'create topic "t"');
      expect(error.code).toBe('SHOP_E_BUS_UNAVAILABLE');
      expect(error.retryable).toBe(false);
    },
  );

  it('explains missing Application Default Credentials, not retryable', () => {
    const error = toBusError(
      new Error('Could not load the default credentials. Browse to …'),
      'reach Pub/Sub',
    );
    expect(error.code).toBe('SHOP_E_BUS_UNAVAILABLE');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('gcloud auth application-default login');
  });

  it('passes a ShopstreamError through unchanged', () => {
    const original = new ShopstreamError('SHOP_E_BUS_CLOSED', 'closed');
    expect(toBusError(original, 'publish')).toBe(original);
  });
});
