import { describe, expect, it } from 'vitest';
import { APPEND_DEFAULTS, compileBigQueryWarehouseOptions } from './bigquery-warehouse-options.js';

const base = { uri: 'bigquery:my-project.shop', projectId: 'my-project', datasetId: 'shop' };

describe('compileBigQueryWarehouseOptions', () => {
  it('defaults to Google endpoints, Application Default Credentials and 9 MiB requests', () => {
    const compiled = compileBigQueryWarehouseOptions(base);
    expect(compiled).toMatchObject({
      apiEndpoint: undefined,
      writeEndpoint: undefined,
      credentials: 'adc',
      restMaxRetries: 3,
      append: APPEND_DEFAULTS,
    });
    expect(compiled.append.maxRequestBytes).toBeLessThan(10 * 1024 * 1024);
    expect(Object.isFrozen(compiled)).toBe(true);
  });

  it('parses the write endpoint and trims the REST endpoint', () => {
    expect(
      compileBigQueryWarehouseOptions({
        ...base,
        apiEndpoint: 'http://127.0.0.1:9050/',
        writeEndpoint: '127.0.0.1:9060',
        credentials: 'none',
      }),
    ).toMatchObject({
      apiEndpoint: 'http://127.0.0.1:9050',
      writeEndpoint: { host: '127.0.0.1', port: 9060 },
      credentials: 'none',
    });
  });

  it.each([
    [{ projectId: 'My Project' }, 'projectId'],
    [{ datasetId: 'shop-events' }, 'datasetId'],
    [{ apiEndpoint: 'bigquery.googleapis.com' }, 'apiEndpoint'],
    [{ writeEndpoint: 'http://x:1' }, 'writeEndpoint'],
    [{ credentials: 'none' }, 'credentials'],
    [{ credentials: 'key.json' }, 'credentials'],
    [{ maxAppendRequestBytes: 0 }, 'maxAppendRequestBytes'],
    [{ retry: { maxAttempts: 1.5 } }, 'retry.maxAttempts'],
    [{ restMaxRetries: -1 }, 'restMaxRetries'],
  ])('refuses %j naming %s', (override, key) => {
    expect(() => compileBigQueryWarehouseOptions({ ...base, ...(override as object) })).toThrow(
      expect.objectContaining({ code: 'SHOP_E_CONFIG_INVALID', message: expect.stringContaining(key) }),
    );
  });
});
