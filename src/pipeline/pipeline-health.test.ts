import { describe, expect, it } from 'vitest';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { SinkError } from './batch-writer.js';
import { PipelineHealth } from './pipeline-health.js';

const missingTable = new SinkError(
  'warehouse',
  new ShopstreamError(
    'SHOP_E_WAREHOUSE_SCHEMA',
    'bigquery: table orders was not found (run `shopstream setup`)',
  ),
);
const lockedFile = new SinkError(
  'warehouse',
  new ShopstreamError('SHOP_E_WAREHOUSE_UNAVAILABLE', 'warehouse.duckdb is locked', { retryable: true }),
);

describe('PipelineHealth', () => {
  it('names a sink blocked by a failure no retry fixes, with its code and the fix, on /healthz', () => {
    const health = new PipelineHealth(60_000, () => Date.parse('2025-06-01T12:00:00Z'));
    const verdict = health.markFailed('warehouse', missingTable);
    expect(verdict).toMatchObject({
      code: 'SHOP_E_WAREHOUSE_SCHEMA',
      newlyBlocked: true,
      log: true,
      attempts: 1,
    });
    expect(health.snapshot()).toEqual({
      healthy: false,
      failing: { warehouse: missingTable.message },
      blocked: {
        warehouse: {
          code: 'SHOP_E_WAREHOUSE_SCHEMA',
          message: missingTable.message,
          fix: expect.stringMatching(
            /^A warehouse table or dataset is missing.*`shopstream setup`.*resumes on its own/,
          ),
          since: '2025-06-01T12:00:00.000Z',
        },
      },
    });
  });

  it('lets a failure that keeps coming be logged once a minute, counting the attempts in between', () => {
    let now = 0;
    const health = new PipelineHealth(60_000, () => now);
    const logged: number[] = [];
    for (let second = 0; second < 150; second++) {
      now = second * 1_000;
      const verdict = health.markFailed('warehouse', missingTable);
      if (verdict.log) logged.push(verdict.attempts);
      expect(verdict.newlyBlocked).toBe(second === 0);
    }
    // At 0 s (the first), 60 s and 120 s; each line counts the failed attempts since the one before.
    expect(logged).toEqual([1, 60, 60]);
  });

  it('treats a retryable failure as transient: unhealthy, not blocked; and says when a blockage ends', () => {
    const health = new PipelineHealth();
    health.markFailed('warehouse', missingTable);
    const transient = health.markFailed('warehouse', lockedFile);
    expect(transient).toMatchObject({ blocked: undefined, unblocked: 'SHOP_E_WAREHOUSE_SCHEMA', log: true });
    expect(health.snapshot()).toMatchObject({ healthy: false, blocked: {} });
    health.markFailed('warehouse', missingTable);
    expect(health.markOk('warehouse')).toEqual({ blockedCode: 'SHOP_E_WAREHOUSE_SCHEMA' });
    expect(health.markOk('warehouse')).toBeUndefined();
    expect(health.snapshot()).toEqual({ healthy: true, failing: {}, blocked: {} });
  });
});
