import type { SqlDialect } from '../dialects/sql-dialect.js';
import { tableNamed } from './tables.js';
import type { ViewColumn, ViewModel } from './view-model.js';

/*
 * The analytical views: the documented, exactly-once query surface. Raw tables are at-least-once, so
 * every view starts from a *_dedup view that keeps one row per event_id. Definitions that matter:
 *
 * - An order's current state is its event furthest in the lifecycle (ref_order_status.lifecycle_rank),
 *   ties broken by the latest publish_time. It is placed at its earliest order_date (the pending event).
 * - Revenue is each order's total_amount counted once, from its current state, on the UTC day (or
 *   minute) it was placed, in its ship-to country. The contract has no cancelled status, so every
 *   order counts.
 * - A session is one metadata.session_id. It "ordered" when its user placed an order between the
 *   session's first and last activity. The funnel is strict: each step counts sessions that also
 *   reached the steps before it.
 * - Days are UTC calendar days.
 */

const col = (name: string, description: string): ViewColumn => ({ name, description });

/** Columns of a raw table, for the *_dedup views that pass them through. */
function tableColumns(table: string): ViewColumn[] {
  return tableNamed(table).columns.map((c) => col(c.name, c.description));
}

/**
 * One row per identity of a raw table: its first delivery (by `order`). The event tables' identity
 * is event_id plus the event's own time: the time is a function of the bytes, so adding it changes
 * no result, but it lets BigQuery push a filter on the partitioning column below the window, so a
 * query on one day of a *_dedup view reads one partition instead of the whole table.
 */
function dedup(table: string, identity: readonly string[], order: readonly string[]) {
  return (d: SqlDialect): string => {
    const columns = tableNamed(table).columns.map((c) => c.name);
    return `SELECT
  ${columns.join(',\n  ')}
FROM (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY ${identity.join(', ')} ORDER BY ${order.join(', ')}) AS copy_number
  FROM ${d.table(table)}
)
WHERE copy_number = 1`;
  };
}

const ordersDedup: ViewModel = {
  name: 'orders_dedup',
  description: 'orders with one row per event_id (its first delivery): the exactly-once order events.',
  uses: [],
  columns: tableColumns('orders'),
  select: dedup('orders', ['event_id', 'order_date'], ['publish_time', 'ingestion_time']),
};

const inventoryDedup: ViewModel = {
  name: 'inventory_dedup',
  description: 'inventory with one row per event_id (its first delivery): the exactly-once stock movements.',
  uses: [],
  columns: tableColumns('inventory'),
  select: dedup('inventory', ['event_id', 'timestamp'], ['publish_time', 'ingestion_time']),
};

const userActivityDedup: ViewModel = {
  name: 'user_activity_dedup',
  description: 'user_activity with one row per event_id (its first delivery): the exactly-once user actions.',
  uses: [],
  columns: tableColumns('user_activity'),
  select: dedup('user_activity', ['event_id', 'timestamp'], ['publish_time', 'ingestion_time']),
};

const ingestErrorsDedup: ViewModel = {
  name: 'ingest_errors_dedup',
  description:
    'ingest_errors with one row per (event_id, error_code): a bad message delivered again counts once.',
  uses: [],
  columns: tableColumns('ingest_errors'),
  select: dedup('ingest_errors', ['event_id', 'error_code'], ['ingestion_time', 'message_id']),
};

const orderCurrentStatus: ViewModel = {
  name: 'order_current_status',
  description:
    'One row per order: its event furthest in the lifecycle (ties: latest publish_time), with when it was placed. The basis of every revenue figure.',
  uses: ['orders_dedup'],
  columns: [
    col('order_id', 'The order.'),
    col('customer_id', 'The customer who placed it (ref_customers).'),
    col('status', 'Current status: the furthest one seen.'),
    col('lifecycle_rank', 'Rank of the current status (ref_order_status), 1 = pending.'),
    col('placed_at', 'When the order was placed: its earliest order_date (the pending event).'),
    col('status_at', 'When the current status took effect.'),
    col('total_amount', 'Order total of the current event, in the shop currency.'),
    col('items', 'The ordered products of the current event.'),
    col('shipping_address', 'Where the order ships to.'),
    col('event_id', 'The event that holds the current status.'),
    col('publish_time', 'When that event was published.'),
  ],
  select: (d) => `SELECT
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
  JOIN ${d.table('ref_order_status')} AS s ON s.status = o.status
)
WHERE recency = 1`,
};

const orderItems: ViewModel = {
  name: 'order_items',
  description: 'One row per line of each order (its current state), with the line amount quantity × price.',
  uses: ['order_current_status'],
  columns: [
    col('order_id', 'The order.'),
    col('customer_id', 'The customer who placed it.'),
    col('placed_at', 'When the order was placed.'),
    col('status', 'Current status of the order.'),
    col('country', 'Ship-to country of the order.'),
    col('line_number', 'Position of the line in the order, from 1.'),
    col('product_id', 'The product (ref_products).'),
    col('product_name', 'Product name at the time of the order.'),
    col('quantity', 'Units ordered.'),
    col('price', 'Unit price.'),
    col('line_amount', 'quantity × price, exact.'),
  ],
  select: (d) => {
    const item = d.unnest('c.items', 'item');
    return `SELECT
  c.order_id,
  c.customer_id,
  c.placed_at,
  c.status,
  c.shipping_address.country AS country,
  ${item.position} AS line_number,
  ${item.element}.product_id AS product_id,
  ${item.element}.product_name AS product_name,
  ${item.element}.quantity AS quantity,
  ${item.element}.price AS price,
  ${item.element}.quantity * ${item.element}.price AS line_amount
FROM order_current_status AS c
${item.join}`;
  },
};

const dailySalesByCountry: ViewModel = {
  name: 'daily_sales_by_country',
  description:
    'Orders and revenue per UTC day of placement and ship-to country. Revenue: each order once, at its current total_amount.',
  uses: ['order_current_status'],
  columns: [
    col('sales_date', 'UTC day the orders were placed.'),
    col('country', 'Ship-to country.'),
    col('orders', 'Orders placed.'),
    col('revenue', 'Σ total_amount of those orders (exact).'),
    col('average_order_value', 'revenue / orders, rounded to cents.'),
  ],
  select: (d) => `SELECT
  ${d.utcDate('c.placed_at')} AS sales_date,
  c.shipping_address.country AS country,
  COUNT(*) AS orders,
  SUM(c.total_amount) AS revenue,
  ROUND(${d.double('SUM(c.total_amount)')} / COUNT(*), 2) AS average_order_value
FROM order_current_status AS c
GROUP BY 1, 2`,
};

const revenuePerMinute: ViewModel = {
  name: 'revenue_per_minute',
  description: 'Orders and revenue per UTC minute of placement, for the live dashboard.',
  uses: ['order_current_status'],
  columns: [
    col('placed_minute', 'Start of the minute the orders were placed in.'),
    col('orders', 'Orders placed in that minute.'),
    col('revenue', 'Σ total_amount of those orders (exact).'),
  ],
  select: (d) => `SELECT
  ${d.minute('c.placed_at')} AS placed_minute,
  COUNT(*) AS orders,
  SUM(c.total_amount) AS revenue
FROM order_current_status AS c
GROUP BY 1`,
};

const productSales: ViewModel = {
  name: 'product_sales',
  description: 'Units and revenue per product over all orders, with its name and category from ref_products.',
  uses: ['order_items'],
  columns: [
    col('product_id', 'The product.'),
    col('product_name', 'Name from ref_products (the ordered name when the product is unknown there).'),
    col('category', 'Category from ref_products; NULL when unknown there.'),
    col('units_sold', 'Σ quantity.'),
    col('revenue', 'Σ quantity × price (exact).'),
    col('orders', 'Orders that contain the product.'),
  ],
  select: (d) => `SELECT
  i.product_id,
  COALESCE(MAX(p.product_name), MAX(i.product_name)) AS product_name,
  MAX(p.category) AS category,
  SUM(i.quantity) AS units_sold,
  SUM(i.line_amount) AS revenue,
  COUNT(DISTINCT i.order_id) AS orders
FROM order_items AS i
LEFT JOIN ${d.table('ref_products')} AS p ON p.product_id = i.product_id
GROUP BY i.product_id`,
};

const stockLevels: ViewModel = {
  name: 'stock_levels',
  description:
    'Stock per product and warehouse: Σ quantity_change of its movements, flagged low at or below the product’s reorder point.',
  uses: ['inventory_dedup'],
  columns: [
    col('product_id', 'The product.'),
    col('product_name', 'Name from ref_products.'),
    col('warehouse_id', 'The warehouse.'),
    col('warehouse_name', 'Name from ref_warehouses.'),
    col('stock_level', 'Σ quantity_change of every movement seen (stock counted from zero).'),
    col('reorder_point', 'From ref_products.'),
    col('low_stock', 'stock_level ≤ reorder_point; NULL when the product is not in ref_products.'),
    col('movements', 'Stock movements seen.'),
    col('last_movement_at', 'Time of the latest movement.'),
  ],
  select: (d) => `SELECT
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
LEFT JOIN ${d.table('ref_products')} AS p ON p.product_id = m.product_id
LEFT JOIN ${d.table('ref_warehouses')} AS w ON w.warehouse_id = m.warehouse_id`,
};

const sessions: ViewModel = {
  name: 'sessions',
  description:
    'One row per session: its user, platform, span, and whether it viewed a product, added to cart, and ordered (its user placed an order between its first and last activity).',
  uses: ['user_activity_dedup', 'order_current_status'],
  columns: [
    col('session_id', 'The session (metadata.session_id).'),
    col('user_id', 'Its user (ref_customers).'),
    col('platform', 'Its platform.'),
    col('started_at', 'First activity.'),
    col('ended_at', 'Last activity.'),
    col('activities', 'Activities in the session.'),
    col('viewed_product', 'Has a funnel step 1 activity (view_product).'),
    col('added_to_cart', 'Has a funnel step 2 activity (add_to_cart).'),
    col('ordered', 'Its user placed an order between started_at and ended_at (inclusive).'),
  ],
  select: (d) => `SELECT
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
  JOIN ${d.table('ref_activity_type')} AS t ON t.activity_type = a.activity_type
  GROUP BY 1
) AS s`,
};

const conversionFunnel: ViewModel = {
  name: 'conversion_funnel',
  description:
    'Sessions per UTC day (of their start) and platform that viewed a product → also added to cart → also ordered, with the step rates.',
  uses: ['sessions'],
  columns: [
    col('activity_date', 'UTC day the sessions started.'),
    col('platform', 'Platform of the sessions.'),
    col('sessions', 'Sessions started.'),
    col('viewed_product', 'Sessions that viewed a product.'),
    col('added_to_cart', 'Of those, sessions that also added to cart.'),
    col('ordered', 'Of those, sessions that also ordered.'),
    col('view_to_cart_rate', 'added_to_cart / viewed_product, 4 decimals; NULL when no views.'),
    col('cart_to_order_rate', 'ordered / added_to_cart, 4 decimals; NULL when no carts.'),
    col('conversion_rate', 'ordered / viewed_product, 4 decimals; NULL when no views.'),
  ],
  select: (d) => {
    const rate = (part: string, whole: string): string =>
      `ROUND(${d.double(`f.${part}`)} / NULLIF(f.${whole}, 0), 4)`;
    return `SELECT
  f.activity_date,
  f.platform,
  f.sessions,
  f.viewed_product,
  f.added_to_cart,
  f.ordered,
  ${rate('added_to_cart', 'viewed_product')} AS view_to_cart_rate,
  ${rate('ordered', 'added_to_cart')} AS cart_to_order_rate,
  ${rate('ordered', 'viewed_product')} AS conversion_rate
FROM (
  SELECT
    ${d.utcDate('s.started_at')} AS activity_date,
    s.platform,
    COUNT(*) AS sessions,
    COUNT(CASE WHEN s.viewed_product THEN 1 END) AS viewed_product,
    COUNT(CASE WHEN s.viewed_product AND s.added_to_cart THEN 1 END) AS added_to_cart,
    COUNT(CASE WHEN s.viewed_product AND s.added_to_cart AND s.ordered THEN 1 END) AS ordered
  FROM sessions AS s
  GROUP BY 1, 2
) AS f`;
  },
};

const dailyActiveUsers: ViewModel = {
  name: 'daily_active_users',
  description: 'Distinct users, sessions and activities per UTC day and platform.',
  uses: ['user_activity_dedup'],
  columns: [
    col('activity_date', 'UTC day.'),
    col('platform', 'Platform.'),
    col('active_users', 'Distinct users with any activity.'),
    col('sessions', 'Distinct sessions with any activity.'),
    col('activities', 'Activities.'),
  ],
  select: (d) => `SELECT
  ${d.utcDate('a.timestamp')} AS activity_date,
  a.metadata.platform AS platform,
  COUNT(DISTINCT a.user_id) AS active_users,
  COUNT(DISTINCT a.metadata.session_id) AS sessions,
  COUNT(*) AS activities
FROM user_activity_dedup AS a
GROUP BY 1, 2`,
};

const errorCounts: ViewModel = {
  name: 'error_counts',
  description: 'Dead-lettered messages per error code, each (event_id, error_code) once.',
  uses: ['ingest_errors_dedup'],
  columns: [
    col('error_code', 'SHOP_E_* code (docs/errors.md).'),
    col('errors', 'Distinct messages rejected with it.'),
    col('first_seen_at', 'Earliest ingestion_time.'),
    col('last_seen_at', 'Latest ingestion_time.'),
  ],
  select: () => `SELECT
  e.error_code,
  COUNT(*) AS errors,
  MIN(e.ingestion_time) AS first_seen_at,
  MAX(e.ingestion_time) AS last_seen_at
FROM ingest_errors_dedup AS e
GROUP BY e.error_code`,
};

/** How many errors recent_errors keeps, and how much of each payload it shows. */
const RECENT_ERRORS = 100;
const PAYLOAD_PREVIEW_CHARS = 200;

const recentErrors: ViewModel = {
  name: 'recent_errors',
  description: `The ${RECENT_ERRORS} latest dead-lettered messages (each (event_id, error_code) once), with the start of the payload.`,
  uses: ['ingest_errors_dedup'],
  columns: [
    col('ingestion_time', 'When it was dead-lettered.'),
    col('error_code', 'SHOP_E_* code.'),
    col('error_path', 'Offending field.'),
    col('error_message', 'Explanation.'),
    col('event_id', 'Hash of the payload.'),
    col('message_id', 'Bus message id of its first delivery.'),
    col('publish_time', 'When it was published.'),
    col('payload_preview', `First ${PAYLOAD_PREVIEW_CHARS} characters of the payload.`),
    col('payload_encoding', 'utf8 or base64.'),
  ],
  select: () => `SELECT
  e.ingestion_time,
  e.error_code,
  e.error_path,
  e.error_message,
  e.event_id,
  e.message_id,
  e.publish_time,
  SUBSTR(e.payload, 1, ${PAYLOAD_PREVIEW_CHARS}) AS payload_preview,
  e.payload_encoding
FROM ingest_errors_dedup AS e
ORDER BY e.ingestion_time DESC, e.event_id, e.error_code
LIMIT ${RECENT_ERRORS}`,
};

/** Every view, each after the views it uses. */
export const VIEWS: readonly ViewModel[] = [
  ordersDedup,
  inventoryDedup,
  userActivityDedup,
  ingestErrorsDedup,
  orderCurrentStatus,
  orderItems,
  dailySalesByCountry,
  revenuePerMinute,
  productSales,
  stockLevels,
  sessions,
  conversionFunnel,
  dailyActiveUsers,
  errorCounts,
  recentErrors,
];

/** The view of the model with this name, or undefined. */
export function viewNamed(name: string): ViewModel | undefined {
  return VIEWS.find((v) => v.name === name);
}
