-- orders_dedup: orders with one row per event_id (its first delivery): the exactly-once order events.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
SELECT
  order_id,
  customer_id,
  order_date,
  status,
  items,
  shipping_address,
  total_amount,
  event_id,
  publish_time,
  ingestion_time
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY event_id, order_date ORDER BY publish_time, ingestion_time) AS copy_number
  FROM `${project}.${dataset}.orders`
)
WHERE copy_number = 1
