-- shopstream warehouse for DuckDB: every table and view, as DuckDbWarehouse.ensureSchema() creates them.
-- Generated from the warehouse model (src/warehouse/model/) by `npm run gen`; do not edit.
-- The enumeration tables' rows are inserted by ensureSchema(); the ref_ entity tables by `shopstream setup`.

CREATE TABLE IF NOT EXISTS orders (
  order_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  order_date TIMESTAMPTZ NOT NULL,
  status VARCHAR NOT NULL,
  items STRUCT(product_id VARCHAR, product_name VARCHAR, quantity BIGINT, price DECIMAL(38,9))[],
  shipping_address STRUCT(street VARCHAR, city VARCHAR, country VARCHAR) NOT NULL,
  total_amount DECIMAL(38,9) NOT NULL,
  event_id VARCHAR NOT NULL,
  publish_time TIMESTAMPTZ NOT NULL,
  ingestion_time TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS inventory (
  inventory_id VARCHAR NOT NULL,
  product_id VARCHAR NOT NULL,
  warehouse_id VARCHAR NOT NULL,
  quantity_change BIGINT NOT NULL,
  reason VARCHAR NOT NULL,
  timestamp TIMESTAMPTZ NOT NULL,
  event_id VARCHAR NOT NULL,
  publish_time TIMESTAMPTZ NOT NULL,
  ingestion_time TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS user_activity (
  user_id VARCHAR NOT NULL,
  activity_type VARCHAR NOT NULL,
  ip_address VARCHAR NOT NULL,
  user_agent VARCHAR NOT NULL,
  timestamp TIMESTAMPTZ NOT NULL,
  metadata STRUCT(session_id VARCHAR, platform VARCHAR) NOT NULL,
  event_id VARCHAR NOT NULL,
  publish_time TIMESTAMPTZ NOT NULL,
  ingestion_time TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS ingest_errors (
  error_code VARCHAR NOT NULL,
  error_path VARCHAR NOT NULL,
  error_message VARCHAR NOT NULL,
  message_id VARCHAR NOT NULL,
  event_id VARCHAR NOT NULL,
  publish_time TIMESTAMPTZ NOT NULL,
  ingestion_time TIMESTAMPTZ NOT NULL,
  attributes VARCHAR NOT NULL,
  payload VARCHAR NOT NULL,
  payload_encoding VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_customers (
  customer_id VARCHAR NOT NULL,
  first_name VARCHAR NOT NULL,
  last_name VARCHAR NOT NULL,
  email VARCHAR NOT NULL,
  street VARCHAR NOT NULL,
  city VARCHAR NOT NULL,
  country VARCHAR NOT NULL,
  preferred_platform VARCHAR NOT NULL,
  signup_date DATE NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_products (
  product_id VARCHAR NOT NULL,
  product_name VARCHAR NOT NULL,
  category VARCHAR NOT NULL,
  price DECIMAL(38,9) NOT NULL,
  reorder_point BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_warehouses (
  warehouse_id VARCHAR NOT NULL,
  warehouse_name VARCHAR NOT NULL,
  city VARCHAR NOT NULL,
  country VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_order_status (
  status VARCHAR NOT NULL,
  lifecycle_rank BIGINT NOT NULL,
  description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_inventory_reason (
  reason VARCHAR NOT NULL,
  direction BIGINT NOT NULL,
  description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_activity_type (
  activity_type VARCHAR NOT NULL,
  funnel_step BIGINT,
  description VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_platform (
  platform VARCHAR NOT NULL,
  description VARCHAR NOT NULL
);

COMMENT ON TABLE orders IS 'Order events as received, one row per delivered event; an order has one event per status. Append-only and at-least-once: a redelivered message adds a second row with the same event_id. Query the views (exactly-once by event_id) for answers.';

COMMENT ON COLUMN orders.order_id IS 'The order; shared by every status event of one order.';

COMMENT ON COLUMN orders.customer_id IS 'The customer who placed the order (ref_customers).';

COMMENT ON COLUMN orders.order_date IS 'When this status took effect.';

COMMENT ON COLUMN orders.status IS 'Lifecycle status, in order: pending, processing, shipped, delivered.';

COMMENT ON COLUMN orders.items IS 'The ordered products: 1 to 1,000.';

COMMENT ON COLUMN orders.shipping_address IS 'Where the order ships to.';

COMMENT ON COLUMN orders.total_amount IS 'Σ quantity × price, rounded to cents; 0 to 10^18.';

COMMENT ON COLUMN orders.event_id IS 'The event identity: first 128 bits of SHA-256 over the message bytes, as 32 hex digits. A redelivery or a replay of the same message has the same event_id; views keep one row per event_id.';

COMMENT ON COLUMN orders.publish_time IS 'When the bus accepted the message (UTC).';

COMMENT ON COLUMN orders.ingestion_time IS 'When the pipeline wrote the row (UTC).';

COMMENT ON TABLE inventory IS 'Stock movements as received, one row per delivered event. Append-only and at-least-once: a redelivered message adds a second row with the same event_id. Query the views (exactly-once by event_id) for answers.';

COMMENT ON COLUMN inventory.inventory_id IS 'This stock movement.';

COMMENT ON COLUMN inventory.product_id IS 'The product (ref_products).';

COMMENT ON COLUMN inventory.warehouse_id IS 'The warehouse (ref_warehouses).';

COMMENT ON COLUMN inventory.quantity_change IS 'Units added (positive) or removed (negative), in [-100, 100].';

COMMENT ON COLUMN inventory.reason IS 'Why the stock moved.';

COMMENT ON COLUMN inventory.timestamp IS 'When the stock moved.';

COMMENT ON COLUMN inventory.event_id IS 'The event identity: first 128 bits of SHA-256 over the message bytes, as 32 hex digits. A redelivery or a replay of the same message has the same event_id; views keep one row per event_id.';

COMMENT ON COLUMN inventory.publish_time IS 'When the bus accepted the message (UTC).';

COMMENT ON COLUMN inventory.ingestion_time IS 'When the pipeline wrote the row (UTC).';

COMMENT ON TABLE user_activity IS 'User actions in sessions as received, one row per delivered event. Append-only and at-least-once: a redelivered message adds a second row with the same event_id. Query the views (exactly-once by event_id) for answers.';

COMMENT ON COLUMN user_activity.user_id IS 'The customer (ref_customers).';

COMMENT ON COLUMN user_activity.activity_type IS 'What the user did.';

COMMENT ON COLUMN user_activity.ip_address IS 'Client IPv4 or IPv6 address.';

COMMENT ON COLUMN user_activity.user_agent IS 'The client''s User-Agent header.';

COMMENT ON COLUMN user_activity.timestamp IS 'When it happened.';

COMMENT ON COLUMN user_activity.metadata IS 'The session the activity belongs to.';

COMMENT ON COLUMN user_activity.event_id IS 'The event identity: first 128 bits of SHA-256 over the message bytes, as 32 hex digits. A redelivery or a replay of the same message has the same event_id; views keep one row per event_id.';

COMMENT ON COLUMN user_activity.publish_time IS 'When the bus accepted the message (UTC).';

COMMENT ON COLUMN user_activity.ingestion_time IS 'When the pipeline wrote the row (UTC).';

COMMENT ON TABLE ingest_errors IS 'Messages that broke the contract (the DLQ), one row per delivery; the payload is kept so it can be fixed and replayed. Append-only and at-least-once: error_counts and recent_errors count each (event_id, error_code) once.';

COMMENT ON COLUMN ingest_errors.error_code IS 'Why the message was rejected: a SHOP_E_* code (docs/errors.md).';

COMMENT ON COLUMN ingest_errors.error_path IS 'JSON Pointer to the offending field; empty when the whole message is at fault.';

COMMENT ON COLUMN ingest_errors.error_message IS 'Human explanation of the failure.';

COMMENT ON COLUMN ingest_errors.message_id IS 'The bus message id of this delivery.';

COMMENT ON COLUMN ingest_errors.event_id IS 'Hash of the payload bytes, as for events: a redelivered bad message has the same event_id.';

COMMENT ON COLUMN ingest_errors.publish_time IS 'When the bus accepted the message (UTC).';

COMMENT ON COLUMN ingest_errors.ingestion_time IS 'When the pipeline dead-lettered it (UTC).';

COMMENT ON COLUMN ingest_errors.attributes IS 'The message attributes, as a JSON object text.';

COMMENT ON COLUMN ingest_errors.payload IS 'The message payload: its text when it is valid UTF-8, otherwise base64.';

COMMENT ON COLUMN ingest_errors.payload_encoding IS 'utf8 or base64: how payload is written.';

COMMENT ON TABLE ref_customers IS 'Customers, who are also the users of user_activity (user_id = customer_id). Loaded by `shopstream setup` from the generator''s seeded universe; replaced as a whole.';

COMMENT ON COLUMN ref_customers.customer_id IS 'The customer (orders.customer_id, user_activity.user_id).';

COMMENT ON COLUMN ref_customers.first_name IS 'Given name.';

COMMENT ON COLUMN ref_customers.last_name IS 'Family name.';

COMMENT ON COLUMN ref_customers.email IS 'Email address.';

COMMENT ON COLUMN ref_customers.street IS 'Home street and number.';

COMMENT ON COLUMN ref_customers.city IS 'Home city.';

COMMENT ON COLUMN ref_customers.country IS 'Home country.';

COMMENT ON COLUMN ref_customers.preferred_platform IS 'The platform they mostly use: web, mobile or tablet.';

COMMENT ON COLUMN ref_customers.signup_date IS 'When they signed up.';

COMMENT ON TABLE ref_products IS 'Products the shop sells. Loaded by `shopstream setup` from the generator''s seeded universe; replaced as a whole.';

COMMENT ON COLUMN ref_products.product_id IS 'The product (order items, inventory).';

COMMENT ON COLUMN ref_products.product_name IS 'Current product name.';

COMMENT ON COLUMN ref_products.category IS 'Product category.';

COMMENT ON COLUMN ref_products.price IS 'List price in the shop currency.';

COMMENT ON COLUMN ref_products.reorder_point IS 'Stock at or below which the product is low in a warehouse.';

COMMENT ON TABLE ref_warehouses IS 'Warehouses that hold stock. Loaded by `shopstream setup` from the generator''s seeded universe; replaced as a whole.';

COMMENT ON COLUMN ref_warehouses.warehouse_id IS 'The warehouse (inventory.warehouse_id).';

COMMENT ON COLUMN ref_warehouses.warehouse_name IS 'Name of the site.';

COMMENT ON COLUMN ref_warehouses.city IS 'City of the site.';

COMMENT ON COLUMN ref_warehouses.country IS 'Country of the site.';

COMMENT ON TABLE ref_order_status IS 'The order lifecycle: each status with its rank, so the furthest status of an order is its current one.';

COMMENT ON COLUMN ref_order_status.status IS 'The value, as events carry it (order.status).';

COMMENT ON COLUMN ref_order_status.lifecycle_rank IS 'Position in the lifecycle, 1 = pending; higher is further along.';

COMMENT ON COLUMN ref_order_status.description IS 'What the value means.';

COMMENT ON TABLE ref_inventory_reason IS 'Why stock moves, with the direction a movement of that reason normally has.';

COMMENT ON COLUMN ref_inventory_reason.reason IS 'The value, as events carry it (inventory.reason).';

COMMENT ON COLUMN ref_inventory_reason.direction IS '+1 when this reason adds stock, -1 when it removes stock.';

COMMENT ON COLUMN ref_inventory_reason.description IS 'What the value means.';

COMMENT ON TABLE ref_activity_type IS 'What a user can do in a session, with its step in the conversion funnel.';

COMMENT ON COLUMN ref_activity_type.activity_type IS 'The value, as events carry it (user_activity.activity_type).';

COMMENT ON COLUMN ref_activity_type.funnel_step IS 'Step in the funnel (1 viewed a product, 2 added to cart; 3, ordered, is an order event); NULL when not a step.';

COMMENT ON COLUMN ref_activity_type.description IS 'What the value means.';

COMMENT ON TABLE ref_platform IS 'The platforms a session runs on.';

COMMENT ON COLUMN ref_platform.platform IS 'The value, as events carry it (user_activity.metadata.platform).';

COMMENT ON COLUMN ref_platform.description IS 'What the value means.';

CREATE OR REPLACE VIEW orders_dedup AS
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
  FROM orders
)
WHERE copy_number = 1;

COMMENT ON VIEW orders_dedup IS 'orders with one row per event_id (its first delivery): the exactly-once order events.';

CREATE OR REPLACE VIEW inventory_dedup AS
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
  FROM inventory
)
WHERE copy_number = 1;

COMMENT ON VIEW inventory_dedup IS 'inventory with one row per event_id (its first delivery): the exactly-once stock movements.';

CREATE OR REPLACE VIEW user_activity_dedup AS
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
  FROM user_activity
)
WHERE copy_number = 1;

COMMENT ON VIEW user_activity_dedup IS 'user_activity with one row per event_id (its first delivery): the exactly-once user actions.';

CREATE OR REPLACE VIEW ingest_errors_dedup AS
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
  FROM ingest_errors
)
WHERE copy_number = 1;

COMMENT ON VIEW ingest_errors_dedup IS 'ingest_errors with one row per (event_id, error_code): a bad message delivered again counts once.';

CREATE OR REPLACE VIEW order_current_status AS
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
    FROM orders
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
  JOIN ref_order_status AS s ON s.status = o.status
)
WHERE recency = 1;

COMMENT ON VIEW order_current_status IS 'One row per order: its event furthest in the lifecycle (ties: latest publish_time), with when it was placed. The basis of every revenue figure.';

CREATE OR REPLACE VIEW order_items AS
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
    FROM orders
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
    JOIN ref_order_status AS s ON s.status = o.status
  )
  WHERE recency = 1
)
SELECT
  c.order_id,
  c.customer_id,
  c.placed_at,
  c.status,
  c.shipping_address.country AS country,
  item_position AS line_number,
  item.product_id AS product_id,
  item.product_name AS product_name,
  item.quantity AS quantity,
  item.price AS price,
  item.quantity * item.price AS line_amount
FROM order_current_status AS c
CROSS JOIN UNNEST(c.items) WITH ORDINALITY AS item_rows(item, item_position);

COMMENT ON VIEW order_items IS 'One row per line of each order (its current state), with the line amount quantity × price.';

CREATE OR REPLACE VIEW daily_sales_by_country AS
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
    FROM orders
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
    JOIN ref_order_status AS s ON s.status = o.status
  )
  WHERE recency = 1
)
SELECT
  CAST(timezone('UTC', c.placed_at) AS DATE) AS sales_date,
  c.shipping_address.country AS country,
  COUNT(*) AS orders,
  SUM(c.total_amount) AS revenue,
  ROUND(CAST(SUM(c.total_amount) AS DOUBLE) / COUNT(*), 2) AS average_order_value
FROM order_current_status AS c
GROUP BY 1, 2;

COMMENT ON VIEW daily_sales_by_country IS 'Orders and revenue per UTC day of placement and ship-to country. Revenue: each order once, at its current total_amount.';

CREATE OR REPLACE VIEW revenue_per_minute AS
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
    FROM orders
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
    JOIN ref_order_status AS s ON s.status = o.status
  )
  WHERE recency = 1
)
SELECT
  timezone('UTC', date_trunc('minute', timezone('UTC', c.placed_at))) AS placed_minute,
  COUNT(*) AS orders,
  SUM(c.total_amount) AS revenue
FROM order_current_status AS c
GROUP BY 1;

COMMENT ON VIEW revenue_per_minute IS 'Orders and revenue per UTC minute of placement, for the live dashboard.';

CREATE OR REPLACE VIEW product_sales AS
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
    FROM orders
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
    JOIN ref_order_status AS s ON s.status = o.status
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
    item_position AS line_number,
    item.product_id AS product_id,
    item.product_name AS product_name,
    item.quantity AS quantity,
    item.price AS price,
    item.quantity * item.price AS line_amount
  FROM order_current_status AS c
  CROSS JOIN UNNEST(c.items) WITH ORDINALITY AS item_rows(item, item_position)
)
SELECT
  i.product_id,
  COALESCE(MAX(p.product_name), MAX(i.product_name)) AS product_name,
  MAX(p.category) AS category,
  SUM(i.quantity) AS units_sold,
  SUM(i.line_amount) AS revenue,
  COUNT(DISTINCT i.order_id) AS orders
FROM order_items AS i
LEFT JOIN ref_products AS p ON p.product_id = i.product_id
GROUP BY i.product_id;

COMMENT ON VIEW product_sales IS 'Units and revenue per product over all orders, with its name and category from ref_products.';

CREATE OR REPLACE VIEW stock_levels AS
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
    FROM inventory
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
LEFT JOIN ref_products AS p ON p.product_id = m.product_id
LEFT JOIN ref_warehouses AS w ON w.warehouse_id = m.warehouse_id;

COMMENT ON VIEW stock_levels IS 'Stock per product and warehouse: Σ quantity_change of its movements, flagged low at or below the product’s reorder point.';

CREATE OR REPLACE VIEW sessions AS
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
    FROM user_activity
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
    FROM orders
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
    JOIN ref_order_status AS s ON s.status = o.status
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
  JOIN ref_activity_type AS t ON t.activity_type = a.activity_type
  GROUP BY 1
) AS s;

COMMENT ON VIEW sessions IS 'One row per session: its user, platform, span, and whether it viewed a product, added to cart, and ordered (its user placed an order between its first and last activity).';

CREATE OR REPLACE VIEW conversion_funnel AS
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
    FROM user_activity
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
    FROM orders
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
    JOIN ref_order_status AS s ON s.status = o.status
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
    JOIN ref_activity_type AS t ON t.activity_type = a.activity_type
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
  ROUND(CAST(f.added_to_cart AS DOUBLE) / NULLIF(f.viewed_product, 0), 4) AS view_to_cart_rate,
  ROUND(CAST(f.ordered AS DOUBLE) / NULLIF(f.added_to_cart, 0), 4) AS cart_to_order_rate,
  ROUND(CAST(f.ordered AS DOUBLE) / NULLIF(f.viewed_product, 0), 4) AS conversion_rate
FROM (
  SELECT
    CAST(timezone('UTC', s.started_at) AS DATE) AS activity_date,
    s.platform,
    COUNT(*) AS sessions,
    COUNT(CASE WHEN s.viewed_product THEN 1 END) AS viewed_product,
    COUNT(CASE WHEN s.viewed_product AND s.added_to_cart THEN 1 END) AS added_to_cart,
    COUNT(CASE WHEN s.viewed_product AND s.added_to_cart AND s.ordered THEN 1 END) AS ordered
  FROM sessions AS s
  GROUP BY 1, 2
) AS f;

COMMENT ON VIEW conversion_funnel IS 'Sessions per UTC day (of their start) and platform that viewed a product → also added to cart → also ordered, with the step rates.';

CREATE OR REPLACE VIEW daily_active_users AS
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
    FROM user_activity
  )
  WHERE copy_number = 1
)
SELECT
  CAST(timezone('UTC', a.timestamp) AS DATE) AS activity_date,
  a.metadata.platform AS platform,
  COUNT(DISTINCT a.user_id) AS active_users,
  COUNT(DISTINCT a.metadata.session_id) AS sessions,
  COUNT(*) AS activities
FROM user_activity_dedup AS a
GROUP BY 1, 2;

COMMENT ON VIEW daily_active_users IS 'Distinct users, sessions and activities per UTC day and platform.';

CREATE OR REPLACE VIEW error_counts AS
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
    FROM ingest_errors
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

COMMENT ON VIEW error_counts IS 'Dead-lettered messages per error code, each (event_id, error_code) once.';

CREATE OR REPLACE VIEW recent_errors AS
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
    FROM ingest_errors
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

COMMENT ON VIEW recent_errors IS 'The 100 latest dead-lettered messages (each (event_id, error_code) once), with the start of the payload.';
