-- inventory_dedup: inventory with one row per event_id (its first delivery): the exactly-once stock movements.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
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
