import type { PanelQuery } from './warehouse-panels.js';

/**
 * The dashboard's warehouse panels: plain SELECTs over the model's views (src/warehouse/model/views.ts),
 * which are exactly-once by event_id and exist with the same names and columns in DuckDB and BigQuery.
 * The page (public/app.js) renders each panel by its id and the column names chosen here.
 */
export const DASHBOARD_PANELS: readonly PanelQuery[] = [
  {
    id: 'revenue',
    sql: `SELECT placed_minute AS minute, orders, revenue
FROM revenue_per_minute
ORDER BY placed_minute DESC
LIMIT 30`,
  },
  {
    id: 'funnel',
    sql: `SELECT
  SUM(sessions) AS sessions,
  SUM(viewed_product) AS viewed_product,
  SUM(added_to_cart) AS added_to_cart,
  SUM(ordered) AS ordered
FROM conversion_funnel
HAVING SUM(sessions) > 0`,
  },
  {
    // Every status from ref_order_status, zero included, so a lifecycle is visible as it fills in.
    id: 'order_status',
    sql: `SELECT
  s.status,
  s.lifecycle_rank,
  COUNT(c.order_id) AS orders,
  (SELECT COUNT(*) FROM inventory_dedup WHERE reason = 'return') AS returns
FROM ref_order_status AS s
LEFT JOIN order_current_status AS c ON c.status = s.status
GROUP BY s.status, s.lifecycle_rank
ORDER BY s.lifecycle_rank`,
  },
  {
    id: 'top_products',
    sql: `SELECT product_name, category, units_sold AS units, revenue
FROM product_sales
ORDER BY revenue DESC, product_name
LIMIT 8`,
  },
  {
    id: 'low_stock',
    sql: `SELECT product_name, warehouse_name, stock_level AS stock, reorder_point
FROM stock_levels
WHERE low_stock
ORDER BY stock_level - reorder_point, product_name, warehouse_name
LIMIT 8`,
  },
  {
    id: 'dlq_records',
    sql: `SELECT ingestion_time, error_code, error_path, error_message, payload_preview AS payload
FROM recent_errors
ORDER BY ingestion_time DESC, event_id
LIMIT 10`,
  },
];
