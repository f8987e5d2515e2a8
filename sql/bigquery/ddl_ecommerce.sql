-- shopstream warehouse for BigQuery: every table, the enumeration rows, and every view.
-- Generated from the warehouse model (src/warehouse/model/) by `npm run gen`; do not edit.
-- ${project} and ${dataset} are placeholders: Terraform's templatefile() and the BigQuery adapter fill them.
-- Column descriptions are the comments; infra/terraform/schemas/<table>.json has them as BigQuery
-- descriptions, with the REQUIRED mode of nested fields, which this script leaves NULLABLE.

-- Tables

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.orders` (
  order_id STRING NOT NULL, -- The order; shared by every status event of one order.
  customer_id STRING NOT NULL, -- The customer who placed the order (ref_customers).
  order_date TIMESTAMP NOT NULL, -- When this status took effect.
  status STRING NOT NULL, -- Lifecycle status, in order: pending, processing, shipped, delivered.
  items ARRAY<STRUCT<
    product_id STRING, -- The product (ref_products).
    product_name STRING, -- Product name at the time of the order.
    quantity INT64, -- Units ordered, 1 to 1,000,000.
    price NUMERIC -- Unit price in the shop currency, 0 to 10^12.
  >>, -- The ordered products: 1 to 1,000.
  shipping_address STRUCT<
    street STRING, -- Street and number.
    city STRING, -- City.
    country STRING -- Country (the market the order belongs to).
  > NOT NULL, -- Where the order ships to.
  total_amount NUMERIC NOT NULL, -- Σ quantity × price, rounded to cents; 0 to 10^18.
  event_id STRING NOT NULL, -- The event identity: first 128 bits of SHA-256 over the message bytes, as 32 hex digits. A redelivery or a replay of the same message has the same event_id; views keep one row per event_id.
  publish_time TIMESTAMP NOT NULL, -- When the bus accepted the message (UTC).
  ingestion_time TIMESTAMP NOT NULL -- When the pipeline wrote the row (UTC).
)
PARTITION BY DATE(order_date)
CLUSTER BY status, customer_id
OPTIONS (description = "Order events as received, one row per delivered event; an order has one event per status. Append-only and at-least-once: a redelivered message adds a second row with the same event_id. Query the views (exactly-once by event_id) for answers.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.inventory` (
  inventory_id STRING NOT NULL, -- This stock movement.
  product_id STRING NOT NULL, -- The product (ref_products).
  warehouse_id STRING NOT NULL, -- The warehouse (ref_warehouses).
  quantity_change INT64 NOT NULL, -- Units added (positive) or removed (negative), in [-100, 100].
  reason STRING NOT NULL, -- Why the stock moved.
  timestamp TIMESTAMP NOT NULL, -- When the stock moved.
  event_id STRING NOT NULL, -- The event identity: first 128 bits of SHA-256 over the message bytes, as 32 hex digits. A redelivery or a replay of the same message has the same event_id; views keep one row per event_id.
  publish_time TIMESTAMP NOT NULL, -- When the bus accepted the message (UTC).
  ingestion_time TIMESTAMP NOT NULL -- When the pipeline wrote the row (UTC).
)
PARTITION BY DATE(timestamp)
CLUSTER BY reason, product_id, warehouse_id
OPTIONS (description = "Stock movements as received, one row per delivered event. Append-only and at-least-once: a redelivered message adds a second row with the same event_id. Query the views (exactly-once by event_id) for answers.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.user_activity` (
  user_id STRING NOT NULL, -- The customer (ref_customers).
  activity_type STRING NOT NULL, -- What the user did.
  ip_address STRING NOT NULL, -- Client IPv4 or IPv6 address.
  user_agent STRING NOT NULL, -- The client's User-Agent header.
  timestamp TIMESTAMP NOT NULL, -- When it happened.
  metadata STRUCT<
    session_id STRING, -- The session this activity belongs to.
    platform STRING -- Where the session runs.
  > NOT NULL, -- The session the activity belongs to.
  event_id STRING NOT NULL, -- The event identity: first 128 bits of SHA-256 over the message bytes, as 32 hex digits. A redelivery or a replay of the same message has the same event_id; views keep one row per event_id.
  publish_time TIMESTAMP NOT NULL, -- When the bus accepted the message (UTC).
  ingestion_time TIMESTAMP NOT NULL -- When the pipeline wrote the row (UTC).
)
PARTITION BY DATE(timestamp)
CLUSTER BY activity_type, user_id
OPTIONS (description = "User actions in sessions as received, one row per delivered event. Append-only and at-least-once: a redelivered message adds a second row with the same event_id. Query the views (exactly-once by event_id) for answers.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.ingest_errors` (
  error_code STRING NOT NULL, -- Why the message was rejected: a SHOP_E_* code (docs/errors.md).
  error_path STRING NOT NULL, -- JSON Pointer to the offending field; empty when the whole message is at fault.
  error_message STRING NOT NULL, -- Human explanation of the failure.
  message_id STRING NOT NULL, -- The bus message id of this delivery.
  event_id STRING NOT NULL, -- Hash of the payload bytes, as for events: a redelivered bad message has the same event_id.
  publish_time TIMESTAMP NOT NULL, -- When the bus accepted the message (UTC).
  ingestion_time TIMESTAMP NOT NULL, -- When the pipeline dead-lettered it (UTC).
  attributes STRING NOT NULL, -- The message attributes, as a JSON object text.
  payload STRING NOT NULL, -- The message payload: its text when it is valid UTF-8, otherwise base64.
  payload_encoding STRING NOT NULL -- utf8 or base64: how payload is written.
)
PARTITION BY DATE(ingestion_time)
CLUSTER BY error_code
OPTIONS (description = "Messages that broke the contract (the DLQ), one row per delivery; the payload is kept so it can be fixed and replayed. Append-only and at-least-once: error_counts and recent_errors count each (event_id, error_code) once.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.ref_customers` (
  customer_id STRING NOT NULL, -- The customer (orders.customer_id, user_activity.user_id).
  first_name STRING NOT NULL, -- Given name.
  last_name STRING NOT NULL, -- Family name.
  email STRING NOT NULL, -- Email address.
  street STRING NOT NULL, -- Home street and number.
  city STRING NOT NULL, -- Home city.
  country STRING NOT NULL, -- Home country.
  preferred_platform STRING NOT NULL, -- The platform they mostly use: web, mobile or tablet.
  signup_date DATE NOT NULL -- When they signed up.
)
OPTIONS (description = "Customers, who are also the users of user_activity (user_id = customer_id). Loaded by `shopstream setup` from the generator's seeded universe; replaced as a whole.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.ref_products` (
  product_id STRING NOT NULL, -- The product (order items, inventory).
  product_name STRING NOT NULL, -- Current product name.
  category STRING NOT NULL, -- Product category.
  price NUMERIC NOT NULL, -- List price in the shop currency.
  reorder_point INT64 NOT NULL -- Stock at or below which the product is low in a warehouse.
)
OPTIONS (description = "Products the shop sells. Loaded by `shopstream setup` from the generator's seeded universe; replaced as a whole.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.ref_warehouses` (
  warehouse_id STRING NOT NULL, -- The warehouse (inventory.warehouse_id).
  warehouse_name STRING NOT NULL, -- Name of the site.
  city STRING NOT NULL, -- City of the site.
  country STRING NOT NULL -- Country of the site.
)
OPTIONS (description = "Warehouses that hold stock. Loaded by `shopstream setup` from the generator's seeded universe; replaced as a whole.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.ref_order_status` (
  status STRING NOT NULL, -- The value, as events carry it (order.status).
  lifecycle_rank INT64 NOT NULL, -- Position in the lifecycle, 1 = pending; higher is further along.
  description STRING NOT NULL -- What the value means.
)
OPTIONS (description = "The order lifecycle: each status with its rank, so the furthest status of an order is its current one.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.ref_inventory_reason` (
  reason STRING NOT NULL, -- The value, as events carry it (inventory.reason).
  direction INT64 NOT NULL, -- +1 when this reason adds stock, -1 when it removes stock.
  description STRING NOT NULL -- What the value means.
)
OPTIONS (description = "Why stock moves, with the direction a movement of that reason normally has.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.ref_activity_type` (
  activity_type STRING NOT NULL, -- The value, as events carry it (user_activity.activity_type).
  funnel_step INT64, -- Step in the funnel (1 viewed a product, 2 added to cart; 3, ordered, is an order event); NULL when not a step.
  description STRING NOT NULL -- What the value means.
)
OPTIONS (description = "What a user can do in a session, with its step in the conversion funnel.");

CREATE TABLE IF NOT EXISTS `${project}.${dataset}.ref_platform` (
  platform STRING NOT NULL, -- The value, as events carry it (user_activity.metadata.platform).
  description STRING NOT NULL -- What the value means.
)
OPTIONS (description = "The platforms a session runs on.");

-- Enumeration rows (part of the model, replaced as a whole)

DELETE FROM `${project}.${dataset}.ref_order_status` WHERE TRUE;

INSERT INTO `${project}.${dataset}.ref_order_status` (status, lifecycle_rank, description) VALUES
  ("pending", 1, "Placed by the customer, not yet handled."),
  ("processing", 2, "Being picked and packed."),
  ("shipped", 3, "Handed to the carrier."),
  ("delivered", 4, "Received by the customer.");

DELETE FROM `${project}.${dataset}.ref_inventory_reason` WHERE TRUE;

INSERT INTO `${project}.${dataset}.ref_inventory_reason` (reason, direction, description) VALUES
  ("restock", 1, "Goods received from a supplier."),
  ("sale", -1, "Units left the warehouse for an order."),
  ("return", 1, "A customer sent units back into stock."),
  ("damage", -1, "Units written off as damaged or lost.");

DELETE FROM `${project}.${dataset}.ref_activity_type` WHERE TRUE;

INSERT INTO `${project}.${dataset}.ref_activity_type` (activity_type, funnel_step, description) VALUES
  ("login", NULL, "Signed in; starts a session."),
  ("logout", NULL, "Signed out; ends a session."),
  ("view_product", 1, "Looked at a product page."),
  ("add_to_cart", 2, "Put a product in the cart."),
  ("remove_from_cart", NULL, "Took a product out of the cart.");

DELETE FROM `${project}.${dataset}.ref_platform` WHERE TRUE;

INSERT INTO `${project}.${dataset}.ref_platform` (platform, description) VALUES
  ("web", "A desktop web browser."),
  ("mobile", "The phone app or mobile web."),
  ("tablet", "The tablet app or tablet web.");

-- Views: each reads tables only (the views it builds on are inlined as CTEs)

-- orders_dedup: orders with one row per event_id (its first delivery): the exactly-once order events.
CREATE OR REPLACE VIEW `${project}.${dataset}.orders_dedup` AS
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
WHERE copy_number = 1;

-- inventory_dedup: inventory with one row per event_id (its first delivery): the exactly-once stock movements.
CREATE OR REPLACE VIEW `${project}.${dataset}.inventory_dedup` AS
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
WHERE copy_number = 1;

-- user_activity_dedup: user_activity with one row per event_id (its first delivery): the exactly-once user actions.
CREATE OR REPLACE VIEW `${project}.${dataset}.user_activity_dedup` AS
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
WHERE copy_number = 1;

-- ingest_errors_dedup: ingest_errors with one row per (event_id, error_code): a bad message delivered again counts once.
CREATE OR REPLACE VIEW `${project}.${dataset}.ingest_errors_dedup` AS
SELECT
  error_code,
  error_path,
  error_message,
  message_id,
  event_id,
  publish_time,
  ingestion_time,
  attributes,
  payload,
  payload_encoding
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY event_id, error_code ORDER BY ingestion_time, message_id) AS copy_number
  FROM `${project}.${dataset}.ingest_errors`
)
WHERE copy_number = 1;

-- order_current_status: One row per order: its event furthest in the lifecycle (ties: latest publish_time), with when it was placed. The basis of every revenue figure.
CREATE OR REPLACE VIEW `${project}.${dataset}.order_current_status` AS
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
)
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
WHERE recency = 1;

-- order_items: One row per line of each order (its current state), with the line amount quantity × price.
CREATE OR REPLACE VIEW `${project}.${dataset}.order_items` AS
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
CROSS JOIN UNNEST(c.items) AS item WITH OFFSET AS item_offset;

-- daily_sales_by_country: Orders and revenue per UTC day of placement and ship-to country. Revenue: each order once, at its current total_amount.
CREATE OR REPLACE VIEW `${project}.${dataset}.daily_sales_by_country` AS
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
  DATE(c.placed_at) AS sales_date,
  c.shipping_address.country AS country,
  COUNT(*) AS orders,
  SUM(c.total_amount) AS revenue,
  ROUND(CAST(SUM(c.total_amount) AS FLOAT64) / COUNT(*), 2) AS average_order_value
FROM order_current_status AS c
GROUP BY 1, 2;

-- revenue_per_minute: Orders and revenue per UTC minute of placement, for the live dashboard.
CREATE OR REPLACE VIEW `${project}.${dataset}.revenue_per_minute` AS
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
  TIMESTAMP_TRUNC(c.placed_at, MINUTE) AS placed_minute,
  COUNT(*) AS orders,
  SUM(c.total_amount) AS revenue
FROM order_current_status AS c
GROUP BY 1;

-- product_sales: Units and revenue per product over all orders, with its name and category from ref_products.
CREATE OR REPLACE VIEW `${project}.${dataset}.product_sales` AS
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
),
order_items AS (
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
)
SELECT
  i.product_id,
  COALESCE(MAX(p.product_name), MAX(i.product_name)) AS product_name,
  MAX(p.category) AS category,
  SUM(i.quantity) AS units_sold,
  SUM(i.line_amount) AS revenue,
  COUNT(DISTINCT i.order_id) AS orders
FROM order_items AS i
LEFT JOIN `${project}.${dataset}.ref_products` AS p ON p.product_id = i.product_id
GROUP BY i.product_id;

-- stock_levels: Stock per product and warehouse: Σ quantity_change of its movements, flagged low at or below the product’s reorder point.
CREATE OR REPLACE VIEW `${project}.${dataset}.stock_levels` AS
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
LEFT JOIN `${project}.${dataset}.ref_warehouses` AS w ON w.warehouse_id = m.warehouse_id;

-- sessions: One row per session: its user, platform, span, and whether it viewed a product, added to cart, and ordered (its user placed an order between its first and last activity).
CREATE OR REPLACE VIEW `${project}.${dataset}.sessions` AS
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
)
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
) AS s;

-- conversion_funnel: Sessions per UTC day (of their start) and platform that viewed a product → also added to cart → also ordered, with the step rates.
CREATE OR REPLACE VIEW `${project}.${dataset}.conversion_funnel` AS
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
) AS f;

-- daily_active_users: Distinct users, sessions and activities per UTC day and platform.
CREATE OR REPLACE VIEW `${project}.${dataset}.daily_active_users` AS
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
)
SELECT
  DATE(a.timestamp) AS activity_date,
  a.metadata.platform AS platform,
  COUNT(DISTINCT a.user_id) AS active_users,
  COUNT(DISTINCT a.metadata.session_id) AS sessions,
  COUNT(*) AS activities
FROM user_activity_dedup AS a
GROUP BY 1, 2;

-- error_counts: Dead-lettered messages per error code, each (event_id, error_code) once.
CREATE OR REPLACE VIEW `${project}.${dataset}.error_counts` AS
WITH ingest_errors_dedup AS (
  SELECT
    error_code,
    error_path,
    error_message,
    message_id,
    event_id,
    publish_time,
    ingestion_time,
    attributes,
    payload,
    payload_encoding
  FROM (
    SELECT
      *,
      ROW_NUMBER() OVER (PARTITION BY event_id, error_code ORDER BY ingestion_time, message_id) AS copy_number
    FROM `${project}.${dataset}.ingest_errors`
  )
  WHERE copy_number = 1
)
SELECT
  e.error_code,
  COUNT(*) AS errors,
  MIN(e.ingestion_time) AS first_seen_at,
  MAX(e.ingestion_time) AS last_seen_at
FROM ingest_errors_dedup AS e
GROUP BY e.error_code;

-- recent_errors: The 100 latest dead-lettered messages (each (event_id, error_code) once), with the start of the payload.
CREATE OR REPLACE VIEW `${project}.${dataset}.recent_errors` AS
WITH ingest_errors_dedup AS (
  SELECT
    error_code,
    error_path,
    error_message,
    message_id,
    event_id,
    publish_time,
    ingestion_time,
    attributes,
    payload,
    payload_encoding
  FROM (
    SELECT
      *,
      ROW_NUMBER() OVER (PARTITION BY event_id, error_code ORDER BY ingestion_time, message_id) AS copy_number
    FROM `${project}.${dataset}.ingest_errors`
  )
  WHERE copy_number = 1
)
SELECT
  e.ingestion_time,
  e.error_code,
  e.error_path,
  e.error_message,
  e.event_id,
  e.message_id,
  e.publish_time,
  SUBSTR(e.payload, 1, 200) AS payload_preview,
  e.payload_encoding
FROM ingest_errors_dedup AS e
ORDER BY e.ingestion_time DESC, e.event_id, e.error_code
LIMIT 100;
