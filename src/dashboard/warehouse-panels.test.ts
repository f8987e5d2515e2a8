import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageChecker } from '../contract/message-checker.js';
import { buildReferenceUniverse } from '../generator/reference-universe.js';
import { TrafficGenerator } from '../generator/traffic-generator.js';
import { silentLogger } from '../telemetry/logger.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { rowOf, type EventTableName } from '../warehouse/rows.js';
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
      'order_status',
      'top_products',
      'low_stock',
      'dlq_records',
    ]);
    for (const result of results) {
      expect(result.error, result.id).toBeNull();
      expect(result.updatedAt, result.id).not.toBeNull();
      // An empty warehouse: the page shows "waiting for data…", not an error. The lifecycle lists
      // every status, at zero.
      if (result.id === 'order_status')
        expect(result.rows.map((r) => [r.status, Number(r.orders), Number(r.returns)])).toEqual([
          ['pending', 0, 0],
          ['processing', 0, 0],
          ['shipped', 0, 0],
          ['delivered', 0, 0],
        ]);
      else expect(result.rows, result.id).toEqual([]);
    }
  });

  it('counts orders by their current status, and the items sent back, from generated traffic', async () => {
    const universe = buildReferenceUniverse({ seed: 42 });
    const traffic = new TrafficGenerator({ seed: 7, universe }).take(3_000);
    // What the stream says: each order's furthest status, and the return movements.
    const lifecycle = ['pending', 'processing', 'shipped', 'delivered'];
    const furthest = new Map<string, number>();
    let returns = 0;
    const rows: Record<EventTableName, unknown[]> = { orders: [], inventory: [], user_activity: [] };
    const checker = new MessageChecker();
    const table = { order: 'orders', inventory: 'inventory', user_activity: 'user_activity' } as const;
    for (const message of traffic) {
      const checked = checker.check(message.data);
      if (!checked.ok) throw new Error(`generated an invalid event: ${checked.failure.code}`);
      const event = checked.event;
      if (event.event_type === 'order')
        furthest.set(
          event.order_id,
          Math.max(furthest.get(event.order_id) ?? 0, lifecycle.indexOf(event.status)),
        );
      if (event.event_type === 'inventory' && event.reason === 'return') returns++;
      rows[table[event.event_type]]!.push(rowOf(checked, '2025-01-01T01:00:00Z', '2025-01-01T01:00:01Z'));
    }
    const expected = lifecycle.map((status, rank) => ({
      status,
      orders: [...furthest.values()].filter((r) => r === rank).length,
      returns,
    }));
    // The demo profile's whole lifecycles, so every bar of the panel has orders.
    expect(expected.every((e) => e.orders > 0) && returns > 0).toBe(true);

    const filled = await openWarehouse('duckdb::memory:');
    try {
      await filled.start();
      await filled.ensureSchema();
      for (const name of Object.keys(rows) as EventTableName[])
        await filled.append(name, rows[name] as never[]);
      const panels = new WarehousePanels({
        warehouse: filled,
        panels: DASHBOARD_PANELS.filter((p) => p.id === 'order_status'),
        logger: silentLogger,
      });
      const [result] = await panels.refresh();
      expect(result!.error).toBeNull();
      expect(
        result!.rows.map((r) => ({ status: r.status, orders: Number(r.orders), returns: Number(r.returns) })),
      ).toEqual(expected);
    } finally {
      await filled.close();
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
