-- stock_levels: Stock per product and warehouse: Σ quantity_change of its movements, flagged low at or below the product’s reorder point.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
WITH inventory_dedup AS (
  SELECT
    inventory_id,
    product_id,
    warehouse_id,
    quantity_change,
    reason,
    timestamp,
    event_id,
    publish_time,
    ingestion_time
  FROM (
    SELECT
      *,
      ROW_NUMBER() OVER (PARTITION BY event_id, timestamp ORDER BY publish_time, ingestion_time) AS copy_number
    FROM `${project}.${dataset}.inventory`
  )
  WHERE copy_number = 1
)
SELECT
  m.product_id,
  p.product_name,
  m.warehouse_id,
  w.warehouse_name,
  m.stock_level,
  p.reorder_point,
  m.stock_level <= p.reorder_point AS low_stock,
  m.movements,
  m.last_movement_at
FROM (
  SELECT
    i.product_id,
    i.warehouse_id,
    SUM(i.quantity_change) AS stock_level,
    COUNT(*) AS movements,
    MAX(i.timestamp) AS last_movement_at
  FROM inventory_dedup AS i
  GROUP BY i.product_id, i.warehouse_id
) AS m
LEFT JOIN `${project}.${dataset}.ref_products` AS p ON p.product_id = m.product_id
LEFT JOIN `${project}.${dataset}.ref_warehouses` AS w ON w.warehouse_id = m.warehouse_id
