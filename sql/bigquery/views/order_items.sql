-- order_items: One row per line of each order (its current state), with the line amount quantity × price.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
WITH orders_dedup AS (
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
),
order_current_status AS (
  SELECT
    order_id,
    customer_id,
    status,
    lifecycle_rank,
    placed_at,
    status_at,
    total_amount,
    items,
    shipping_address,
    event_id,
    publish_time
  FROM (
    SELECT
      o.order_id,
      o.customer_id,
      o.status,
      s.lifecycle_rank,
      MIN(o.order_date) OVER (PARTITION BY o.order_id) AS placed_at,
      o.order_date AS status_at,
      o.total_amount,
      o.items,
      o.shipping_address,
      o.event_id,
      o.publish_time,
      ROW_NUMBER() OVER (
        PARTITION BY o.order_id
        ORDER BY s.lifecycle_rank DESC, o.publish_time DESC, o.event_id DESC
      ) AS recency
    FROM orders_dedup AS o
    JOIN `${project}.${dataset}.ref_order_status` AS s ON s.status = o.status
  )
  WHERE recency = 1
)
SELECT
  c.order_id,
  c.customer_id,
  c.placed_at,
  c.status,
  c.shipping_address.country AS country,
  item_offset + 1 AS line_number,
  item.product_id AS product_id,
  item.product_name AS product_name,
  item.quantity AS quantity,
  item.price AS price,
  item.quantity * item.price AS line_amount
FROM order_current_status AS c
CROSS JOIN UNNEST(c.items) AS item WITH OFFSET AS item_offset
