import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../telemetry/logger.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { DASHBOARD_PANELS } from './dashboard-panels.js';
import { WarehousePanels } from './warehouse-panels.js';

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await openWarehouse('duckdb::memory:');
  await warehouse.start();
  await warehouse.ensureSchema();
});
afterAll(() => warehouse?.close());

describe('WarehousePanels', () => {
  it("runs every dashboard panel's SQL against the model's real views", async () => {
    const panels = new WarehousePanels({ warehouse, panels: DASHBOARD_PANELS, logger: silentLogger });
    const results = await panels.refresh();
    expect(results.map((r) => r.id)).toEqual([
      'revenue',
      'funnel',
      'top_products',
      'low_stock',
      'dlq_records',
    ]);
    for (const result of results) {
      expect(result.error, result.id).toBeNull();
      expect(result.updatedAt, result.id).not.toBeNull();
      // An empty warehouse: the page shows "waiting for data…", not an error.
      expect(result.rows, result.id).toEqual([]);
    }
  });

  it('caches answers, keeps the last good rows when a query fails, and reports after each refresh', async () => {
    let failing = false;
    const refreshed: string[][] = [];
    const panels = new WarehousePanels({
      warehouse: {
        query: (sql) => (failing ? Promise.reject(new Error('database is locked')) : warehouse.query(sql)),
      },
      panels: [{ id: 'errors', sql: "SELECT error_code FROM error_counts UNION ALL SELECT 'none'" }],
      logger: silentLogger,
      onRefresh: (results) => refreshed.push(results.map((r) => r.error ?? 'ok')),
    });
    expect(panels.snapshot()).toEqual([
      { id: 'errors', columns: [], rows: [], updatedAt: null, error: null },
    ]);
    await panels.refresh();
    const good = panels.snapshot()[0]!;
    expect(good.rows).toEqual([{ error_code: 'none' }]);
    failing = true;
    await panels.refresh();
    expect(panels.snapshot()[0]).toMatchObject({
      rows: good.rows,
      updatedAt: good.updatedAt,
      error: 'database is locked',
    });
    expect(refreshed).toEqual([['ok'], ['database is locked']]);
  });

  it('refreshes on its own interval until closed', async () => {
    let queries = 0;
    const panels = new WarehousePanels({
      warehouse: { query: async () => (queries++, { columns: [], rows: [] }) },
      panels: [{ id: 'a', sql: 'SELECT 1' }],
      logger: silentLogger,
      intervalMs: 50,
    });
    panels.start();
    await new Promise((r) => setTimeout(r, 400));
    await panels.close();
    const after = queries;
    expect(after).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(queries).toBe(after);
  });
});
