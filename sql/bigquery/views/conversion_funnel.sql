-- conversion_funnel: Sessions per UTC day (of their start) and platform that viewed a product → also added to cart → also ordered, with the step rates.
-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.
WITH user_activity_dedup AS (
  SELECT
    user_id,
    activity_type,
    ip_address,
    user_agent,
    timestamp,
    metadata,
    event_id,
    publish_time,
    ingestion_time
  FROM (
    SELECT
      *,
      ROW_NUMBER() OVER (PARTITION BY event_id, timestamp ORDER BY publish_time, ingestion_time) AS copy_number
    FROM `${project}.${dataset}.user_activity`
  )
  WHERE copy_number = 1
),
orders_dedup AS (
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
),
sessions AS (
  SELECT
    s.session_id,
    s.user_id,
    s.platform,
    s.started_at,
    s.ended_at,
    s.activities,
    s.viewed_product,
    s.added_to_cart,
    EXISTS (
      SELECT 1
      FROM order_current_status AS o
      WHERE o.customer_id = s.user_id AND o.placed_at BETWEEN s.started_at AND s.ended_at
    ) AS ordered
  FROM (
    SELECT
      a.metadata.session_id AS session_id,
      -- A session has one user and one platform; MIN makes the choice deterministic if events disagree.
      MIN(a.user_id) AS user_id,
      MIN(a.metadata.platform) AS platform,
      MIN(a.timestamp) AS started_at,
      MAX(a.timestamp) AS ended_at,
      COUNT(*) AS activities,
      COUNT(CASE WHEN t.funnel_step = 1 THEN 1 END) > 0 AS viewed_product,
      COUNT(CASE WHEN t.funnel_step = 2 THEN 1 END) > 0 AS added_to_cart
    FROM user_activity_dedup AS a
    JOIN `${project}.${dataset}.ref_activity_type` AS t ON t.activity_type = a.activity_type
    GROUP BY 1
  ) AS s
)
SELECT
  f.activity_date,
  f.platform,
  f.sessions,
  f.viewed_product,
  f.added_to_cart,
  f.ordered,
  ROUND(CAST(f.added_to_cart AS FLOAT64) / NULLIF(f.viewed_product, 0), 4) AS view_to_cart_rate,
  ROUND(CAST(f.ordered AS FLOAT64) / NULLIF(f.added_to_cart, 0), 4) AS cart_to_order_rate,
  ROUND(CAST(f.ordered AS FLOAT64) / NULLIF(f.viewed_product, 0), 4) AS conversion_rate
FROM (
  SELECT
    DATE(s.started_at) AS activity_date,
    s.platform,
    COUNT(*) AS sessions,
    COUNT(CASE WHEN s.viewed_product THEN 1 END) AS viewed_product,
    COUNT(CASE WHEN s.viewed_product AND s.added_to_cart THEN 1 END) AS added_to_cart,
    COUNT(CASE WHEN s.viewed_product AND s.added_to_cart AND s.ordered THEN 1 END) AS ordered
  FROM sessions AS s
  GROUP BY 1, 2
) AS f
