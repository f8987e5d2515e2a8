import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdOf } from '../../src/contract/event-id.js';
import { MessageChecker } from '../../src/contract/message-checker.js';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { VIEWS } from '../../src/warehouse/model/views.js';
import type { ReferenceData } from '../../src/warehouse/reference-data.js';
import {
  rowOf,
  type IngestErrorRow,
  type InventoryRow,
  type OrderRow,
  type UserActivityRow,
} from '../../src/warehouse/rows.js';

/*
 * A small shop, built by hand, whose every view answer is worked out by hand below. It has: orders
 * moving through statuses (one pending event delivered twice, one order whose processing event
 * arrives before its pending one, one with two processing events), an order placed at 01:30 +02:00
 * (the previous UTC day), a price of 0.125, a product missing from ref_products, stock moves in two
 * warehouses (one delivered twice), five sessions on three platforms (one that adds to cart without
 * viewing), and dead-lettered messages (one delivered twice).
 */

const id = (prefix: string, n: number): string =>
  `${prefix}0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ADA = id('a', 1);
const BO = id('a', 2);
const CY = id('a', 3);
const CHAIR = id('b', 1);
const LAMP = id('b', 2);
const PEN = id('b', 3);
const MYSTERY = id('b', 9); // sold, stocked, but not in ref_products
const BERLIN = id('c', 1);
const PARIS = id('c', 2);
const O1 = id('d', 1);
const O2 = id('d', 2);
const O3 = id('d', 3);
const O4 = id('d', 4);
const O5 = id('d', 5);
const S1 = id('e', 1);
const S2 = id('e', 2);
const S3 = id('e', 3);
const S4 = id('e', 4);
const S5 = id('e', 5);

const universe: ReferenceData = {
  customers: [
    customer(ADA, 'Ada', 'DE', 'web'),
    customer(BO, 'Bo', 'FR', 'mobile'),
    customer(CY, 'Cy', 'US', 'tablet'),
  ],
  products: [
    { product_id: CHAIR, product_name: 'Ergonomic Chair', category: 'Home', price: 19.99, reorder_point: 10 },
    { product_id: LAMP, product_name: 'Desk Lamp', category: 'Home', price: 5.5, reorder_point: 3 },
    { product_id: PEN, product_name: 'Gel Pen', category: 'Office', price: 0.125, reorder_point: 5 },
  ],
  warehouses: [
    { warehouse_id: BERLIN, warehouse_name: 'Berlin Hub', city: 'Berlin', country: 'DE' },
    { warehouse_id: PARIS, warehouse_name: 'Paris Hub', city: 'Paris', country: 'FR' },
  ],
};

function customer(customerId: string, name: string, country: string, platform: 'web' | 'mobile' | 'tablet') {
  return {
    customer_id: customerId,
    first_name: name,
    last_name: 'Example',
    email: `${name.toLowerCase()}@example.com`,
    street: '1 Main Street',
    city: 'Capital',
    country,
    preferred_platform: platform,
    signup_date: '2023-01-15',
  };
}

// Rows go through the real contract (bytes → check → rowOf), so event_ids are real hashes and a
// duplicate delivery of the same bytes carries the same event_id.
const checker = new MessageChecker({ now: () => Date.parse('2024-05-04T00:00:00Z') });
function row<T>(event: object, publishTime: string, ingestionTime = publishTime): T {
  const checked = checker.check(Buffer.from(JSON.stringify(event)));
  if (!checked.ok) throw new Error(`test event breaks the contract: ${JSON.stringify(checked.failure)}`);
  return rowOf(checked, publishTime, ingestionTime) as T;
}

const item = (productId: string, name: string, quantity: number, price: number) => ({
  product_id: productId,
  product_name: name,
  quantity,
  price,
});
const address = (country: string) => ({ street: '1 Main Street', city: 'Capital', country });
const order = (
  orderId: string,
  customerId: string,
  country: string,
  items: ReturnType<typeof item>[],
  total: number,
) => ({
  at: (status: string, orderDate: string) => ({
    event_type: 'order',
    order_id: orderId,
    customer_id: customerId,
    order_date: orderDate,
    status,
    items,
    shipping_address: address(country),
    total_amount: total,
  }),
});

const o1 = order(
  O1,
  ADA,
  'DE',
  [item(CHAIR, 'Ergonomic Chair', 2, 19.99), item(LAMP, 'Desk Lamp', 1, 5.5)],
  45.48,
);
const o2 = order(O2, BO, 'FR', [item(PEN, 'Gel Pen', 3, 0.125)], 0.38);
const o3 = order(O3, ADA, 'DE', [item(LAMP, 'Desk Lamp', 1, 5.5), item(MYSTERY, 'Mystery Box', 1, 3)], 8.5);
const o4 = order(O4, CY, 'US', [item(CHAIR, 'Ergonomic Chair', 1, 19.99)], 19.99);
const o5 = order(
  O5,
  ADA,
  'DE',
  [item(PEN, 'Gel Pen', 1, 0.125), item(CHAIR, 'Ergonomic Chair', 1, 19.99)],
  20.12,
);

const orders: OrderRow[] = [
  row(o1.at('pending', '2024-05-01T10:00:30Z'), '2024-05-01T10:00:31Z'),
  row(o1.at('pending', '2024-05-01T10:00:30Z'), '2024-05-01T10:05:00Z'), // delivered again
  row(o1.at('processing', '2024-05-01T11:00:00Z'), '2024-05-01T11:00:01Z'),
  row(o1.at('shipped', '2024-05-02T09:00:00Z'), '2024-05-02T09:00:01Z'),
  row(o1.at('delivered', '2024-05-03T15:00:00Z'), '2024-05-03T15:00:01Z'),
  // Placed at 23:30 UTC on May 1; its pending event arrives after its processing event.
  row(o2.at('pending', '2024-05-02T01:30:00+02:00'), '2024-05-02T08:00:05Z'),
  row(o2.at('processing', '2024-05-02T08:00:00Z'), '2024-05-02T08:00:01Z'),
  row(o3.at('pending', '2024-05-02T12:00:10Z'), '2024-05-02T12:00:11Z'),
  row(o4.at('pending', '2024-05-02T12:00:40Z'), '2024-05-02T12:00:41Z'),
  // Two processing events: the later publish_time wins the tie.
  row(o4.at('processing', '2024-05-02T13:00:00Z'), '2024-05-02T13:00:01Z'),
  row(o4.at('processing', '2024-05-02T13:05:00Z'), '2024-05-02T13:05:01Z'),
  row(o5.at('pending', '2024-05-02T12:30:00Z'), '2024-05-02T12:30:01Z'),
];

let movement = 0;
const stock = (
  productId: string,
  warehouseId: string,
  change: number,
  reason: string,
  timestamp: string,
) => ({
  event_type: 'inventory',
  inventory_id: id('f', ++movement),
  product_id: productId,
  warehouse_id: warehouseId,
  quantity_change: change,
  reason,
  timestamp,
});
const restockChairs = stock(CHAIR, BERLIN, 50, 'restock', '2024-05-01T08:00:00Z');
const inventory: InventoryRow[] = [
  row(restockChairs, '2024-05-01T08:00:01Z'),
  row(restockChairs, '2024-05-01T08:30:00Z'), // delivered again
  row(stock(CHAIR, BERLIN, -2, 'sale', '2024-05-01T10:00:30Z'), '2024-05-01T10:00:31Z'),
  row(stock(LAMP, BERLIN, 5, 'restock', '2024-05-01T08:00:00Z'), '2024-05-01T08:00:01Z'),
  row(stock(LAMP, BERLIN, -1, 'sale', '2024-05-01T10:00:30Z'), '2024-05-01T10:00:31Z'),
  row(stock(PEN, PARIS, 10, 'restock', '2024-05-01T09:00:00Z'), '2024-05-01T09:00:01Z'),
  row(stock(PEN, PARIS, -3, 'sale', '2024-05-01T23:30:00Z'), '2024-05-01T23:30:01Z'),
  row(stock(LAMP, BERLIN, -1, 'sale', '2024-05-02T12:00:10Z'), '2024-05-02T12:00:11Z'),
  row(stock(CHAIR, BERLIN, -1, 'sale', '2024-05-02T12:00:40Z'), '2024-05-02T12:00:41Z'),
  row(stock(LAMP, BERLIN, -1, 'damage', '2024-05-02T18:00:00Z'), '2024-05-02T18:00:01Z'),
  row(stock(MYSTERY, PARIS, 1, 'restock', '2024-05-02T07:00:00Z'), '2024-05-02T07:00:01Z'),
  row(stock(PEN, PARIS, 1, 'return', '2024-05-03T10:00:00Z'), '2024-05-03T10:00:01Z'),
];

const act = (userId: string, session: string, platform: string, activity: string, timestamp: string) => ({
  event_type: 'user_activity',
  user_id: userId,
  activity_type: activity,
  ip_address: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (test)',
  timestamp,
  metadata: { session_id: session, platform },
});
const viewInS4 = act(ADA, S4, 'web', 'view_product', '2024-05-02T12:29:30Z');
const activities: UserActivityRow[] = [
  // S1: Ada on the web views, adds to cart, and places O1 (10:00:30) before logging out.
  ...[
    ['login', '2024-05-01T09:58:00Z'],
    ['view_product', '2024-05-01T09:59:00Z'],
    ['add_to_cart', '2024-05-01T09:59:30Z'],
    ['logout', '2024-05-01T10:01:00Z'],
  ].map(([a, t]) => row<UserActivityRow>(act(ADA, S1, 'web', a!, t!), t!)),
  // S5: Bo on the web only looks.
  ...[
    ['login', '2024-05-01T15:00:00Z'],
    ['view_product', '2024-05-01T15:01:00Z'],
    ['view_product', '2024-05-01T15:02:00Z'],
    ['logout', '2024-05-01T15:05:00Z'],
  ].map(([a, t]) => row<UserActivityRow>(act(BO, S5, 'web', a!, t!), t!)),
  // S2: Bo on mobile, 23:20-23:25 UTC written at +02:00; his order O2 (23:30) comes after it ends.
  ...[
    ['login', '2024-05-02T01:20:00+02:00'],
    ['view_product', '2024-05-02T01:21:00+02:00'],
    ['logout', '2024-05-02T01:25:00+02:00'],
  ].map(([a, t]) => row<UserActivityRow>(act(BO, S2, 'mobile', a!, t!), '2024-05-01T23:25:01Z')),
  // S3: Cy on a tablet adds to cart without viewing and orders O4: not in the strict funnel.
  ...[
    ['login', '2024-05-02T12:00:00Z'],
    ['add_to_cart', '2024-05-02T12:00:20Z'],
    ['logout', '2024-05-02T12:01:00Z'],
  ].map(([a, t]) => row<UserActivityRow>(act(CY, S3, 'tablet', a!, t!), t!)),
  // S4: Ada on the web, with a view delivered twice, orders O5 (12:30:00).
  ...[
    ['login', '2024-05-02T12:29:00Z'],
    ['add_to_cart', '2024-05-02T12:29:45Z'],
    ['remove_from_cart', '2024-05-02T12:29:50Z'],
    ['add_to_cart', '2024-05-02T12:29:55Z'],
    ['logout', '2024-05-02T12:31:00Z'],
  ].map(([a, t]) => row<UserActivityRow>(act(ADA, S4, 'web', a!, t!), t!)),
  row(viewInS4, '2024-05-02T12:29:31Z'),
  row(viewInS4, '2024-05-02T12:40:00Z'),
];

const X1 = '{"event_type":"order","status":"cancelled"}';
const X2 = `{"event_type":"inventory","note":"${'x'.repeat(300)}`;
const X3 = '{"event_type":"user_activity","activity_type":"purchase"}';
const deadLetter = (
  payload: string,
  code: string,
  path: string,
  messageId: string,
  at: string,
): IngestErrorRow => ({
  error_code: code,
  error_path: path,
  error_message: `${code} at ${path || 'the message'}`,
  message_id: messageId,
  event_id: eventIdOf(Buffer.from(payload)),
  publish_time: at,
  ingestion_time: at,
  attributes: '{}',
  payload,
  payload_encoding: 'utf8',
});
const errors: IngestErrorRow[] = [
  deadLetter(X1, 'SHOP_E_FIELD_ENUM', '/status', 'm1', '2024-05-02T10:00:00Z'),
  deadLetter(X1, 'SHOP_E_FIELD_ENUM', '/status', 'm2', '2024-05-02T10:10:00Z'), // delivered again
  deadLetter(X2, 'SHOP_E_DECODE_JSON', '', 'm3', '2024-05-02T11:00:00Z'),
  deadLetter(X3, 'SHOP_E_FIELD_ENUM', '/activity_type', 'm4', '2024-05-03T09:00:00Z'),
];

/** Every view's answer, written by hand: the SQL that reads it (ordered) and the rows. */
const EXPECTED: Record<string, { sql: string; rows: Record<string, unknown>[] }> = {
  orders_dedup: {
    sql: 'SELECT order_id, status, order_date, publish_time FROM orders_dedup ORDER BY order_date, order_id',
    rows: [
      {
        order_id: O1,
        status: 'pending',
        order_date: '2024-05-01T10:00:30.000Z',
        publish_time: '2024-05-01T10:00:31.000Z',
      },
      {
        order_id: O1,
        status: 'processing',
        order_date: '2024-05-01T11:00:00.000Z',
        publish_time: '2024-05-01T11:00:01.000Z',
      },
      {
        order_id: O2,
        status: 'pending',
        order_date: '2024-05-01T23:30:00.000Z',
        publish_time: '2024-05-02T08:00:05.000Z',
      },
      {
        order_id: O2,
        status: 'processing',
        order_date: '2024-05-02T08:00:00.000Z',
        publish_time: '2024-05-02T08:00:01.000Z',
      },
      {
        order_id: O1,
        status: 'shipped',
        order_date: '2024-05-02T09:00:00.000Z',
        publish_time: '2024-05-02T09:00:01.000Z',
      },
      {
        order_id: O3,
        status: 'pending',
        order_date: '2024-05-02T12:00:10.000Z',
        publish_time: '2024-05-02T12:00:11.000Z',
      },
      {
        order_id: O4,
        status: 'pending',
        order_date: '2024-05-02T12:00:40.000Z',
        publish_time: '2024-05-02T12:00:41.000Z',
      },
      {
        order_id: O5,
        status: 'pending',
        order_date: '2024-05-02T12:30:00.000Z',
        publish_time: '2024-05-02T12:30:01.000Z',
      },
      {
        order_id: O4,
        status: 'processing',
        order_date: '2024-05-02T13:00:00.000Z',
        publish_time: '2024-05-02T13:00:01.000Z',
      },
      {
        order_id: O4,
        status: 'processing',
        order_date: '2024-05-02T13:05:00.000Z',
        publish_time: '2024-05-02T13:05:01.000Z',
      },
      {
        order_id: O1,
        status: 'delivered',
        order_date: '2024-05-03T15:00:00.000Z',
        publish_time: '2024-05-03T15:00:01.000Z',
      },
    ],
  },
  inventory_dedup: {
    sql: 'SELECT inventory_id, quantity_change, publish_time FROM inventory_dedup ORDER BY inventory_id',
    rows: [
      [1, 50, '2024-05-01T08:00:01.000Z'],
      [2, -2, '2024-05-01T10:00:31.000Z'],
      [3, 5, '2024-05-01T08:00:01.000Z'],
      [4, -1, '2024-05-01T10:00:31.000Z'],
      [5, 10, '2024-05-01T09:00:01.000Z'],
      [6, -3, '2024-05-01T23:30:01.000Z'],
      [7, -1, '2024-05-02T12:00:11.000Z'],
      [8, -1, '2024-05-02T12:00:41.000Z'],
      [9, -1, '2024-05-02T18:00:01.000Z'],
      [10, 1, '2024-05-02T07:00:01.000Z'],
      [11, 1, '2024-05-03T10:00:01.000Z'],
    ].map(([n, change, publish]) => ({
      inventory_id: id('f', n as number),
      quantity_change: change,
      publish_time: publish,
    })),
  },
  user_activity_dedup: {
    sql: `SELECT metadata.session_id AS session_id, count(*) AS activities, min(publish_time) AS first_publish
          FROM user_activity_dedup GROUP BY 1 ORDER BY 1`,
    rows: [
      { session_id: S1, activities: 4, first_publish: '2024-05-01T09:58:00.000Z' },
      { session_id: S2, activities: 3, first_publish: '2024-05-01T23:25:01.000Z' },
      { session_id: S3, activities: 3, first_publish: '2024-05-02T12:00:00.000Z' },
      { session_id: S4, activities: 6, first_publish: '2024-05-02T12:29:00.000Z' },
      { session_id: S5, activities: 4, first_publish: '2024-05-01T15:00:00.000Z' },
    ],
  },
  ingest_errors_dedup: {
    sql: 'SELECT error_code, error_path, message_id FROM ingest_errors_dedup ORDER BY message_id',
    rows: [
      { error_code: 'SHOP_E_FIELD_ENUM', error_path: '/status', message_id: 'm1' },
      { error_code: 'SHOP_E_DECODE_JSON', error_path: '', message_id: 'm3' },
      { error_code: 'SHOP_E_FIELD_ENUM', error_path: '/activity_type', message_id: 'm4' },
    ],
  },
  order_current_status: {
    sql: `SELECT order_id, customer_id, status, lifecycle_rank, placed_at, status_at, total_amount,
                 shipping_address.country AS country, publish_time
          FROM order_current_status ORDER BY order_id`,
    rows: [
      {
        order_id: O1,
        customer_id: ADA,
        status: 'delivered',
        lifecycle_rank: 4,
        placed_at: '2024-05-01T10:00:30.000Z',
        status_at: '2024-05-03T15:00:00.000Z',
        total_amount: 45.48,
        country: 'DE',
        publish_time: '2024-05-03T15:00:01.000Z',
      },
      {
        order_id: O2,
        customer_id: BO,
        status: 'processing',
        lifecycle_rank: 2,
        placed_at: '2024-05-01T23:30:00.000Z',
        status_at: '2024-05-02T08:00:00.000Z',
        total_amount: 0.38,
        country: 'FR',
        publish_time: '2024-05-02T08:00:01.000Z',
      },
      {
        order_id: O3,
        customer_id: ADA,
        status: 'pending',
        lifecycle_rank: 1,
        placed_at: '2024-05-02T12:00:10.000Z',
        status_at: '2024-05-02T12:00:10.000Z',
        total_amount: 8.5,
        country: 'DE',
        publish_time: '2024-05-02T12:00:11.000Z',
      },
      {
        order_id: O4,
        customer_id: CY,
        status: 'processing',
        lifecycle_rank: 2,
        placed_at: '2024-05-02T12:00:40.000Z',
        status_at: '2024-05-02T13:05:00.000Z',
        total_amount: 19.99,
        country: 'US',
        publish_time: '2024-05-02T13:05:01.000Z',
      },
      {
        order_id: O5,
        customer_id: ADA,
        status: 'pending',
        lifecycle_rank: 1,
        placed_at: '2024-05-02T12:30:00.000Z',
        status_at: '2024-05-02T12:30:00.000Z',
        total_amount: 20.12,
        country: 'DE',
        publish_time: '2024-05-02T12:30:01.000Z',
      },
    ],
  },
  order_items: {
    sql: `SELECT order_id, line_number, product_id, product_name, quantity, price, line_amount, country, status
          FROM order_items ORDER BY order_id, line_number`,
    rows: [
      [O1, 1, CHAIR, 'Ergonomic Chair', 2, 19.99, 39.98, 'DE', 'delivered'],
      [O1, 2, LAMP, 'Desk Lamp', 1, 5.5, 5.5, 'DE', 'delivered'],
      [O2, 1, PEN, 'Gel Pen', 3, 0.125, 0.375, 'FR', 'processing'],
      [O3, 1, LAMP, 'Desk Lamp', 1, 5.5, 5.5, 'DE', 'pending'],
      [O3, 2, MYSTERY, 'Mystery Box', 1, 3, 3, 'DE', 'pending'],
      [O4, 1, CHAIR, 'Ergonomic Chair', 1, 19.99, 19.99, 'US', 'processing'],
      [O5, 1, PEN, 'Gel Pen', 1, 0.125, 0.125, 'DE', 'pending'],
      [O5, 2, CHAIR, 'Ergonomic Chair', 1, 19.99, 19.99, 'DE', 'pending'],
    ].map(([orderId, line, product, name, quantity, price, amount, country, status]) => ({
      order_id: orderId,
      line_number: line,
      product_id: product,
      product_name: name,
      quantity,
      price,
      line_amount: amount,
      country,
      status,
    })),
  },
  daily_sales_by_country: {
    sql: 'SELECT * FROM daily_sales_by_country ORDER BY sales_date, country',
    rows: [
      { sales_date: '2024-05-01', country: 'DE', orders: 1, revenue: 45.48, average_order_value: 45.48 },
      { sales_date: '2024-05-01', country: 'FR', orders: 1, revenue: 0.38, average_order_value: 0.38 },
      { sales_date: '2024-05-02', country: 'DE', orders: 2, revenue: 28.62, average_order_value: 14.31 },
      { sales_date: '2024-05-02', country: 'US', orders: 1, revenue: 19.99, average_order_value: 19.99 },
    ],
  },
  revenue_per_minute: {
    sql: 'SELECT * FROM revenue_per_minute ORDER BY placed_minute',
    rows: [
      { placed_minute: '2024-05-01T10:00:00.000Z', orders: 1, revenue: 45.48 },
      { placed_minute: '2024-05-01T23:30:00.000Z', orders: 1, revenue: 0.38 },
      { placed_minute: '2024-05-02T12:00:00.000Z', orders: 2, revenue: 28.49 },
      { placed_minute: '2024-05-02T12:30:00.000Z', orders: 1, revenue: 20.12 },
    ],
  },
  product_sales: {
    sql: 'SELECT * FROM product_sales ORDER BY product_id',
    rows: [
      {
        product_id: CHAIR,
        product_name: 'Ergonomic Chair',
        category: 'Home',
        units_sold: 4,
        revenue: 79.96,
        orders: 3,
      },
      {
        product_id: LAMP,
        product_name: 'Desk Lamp',
        category: 'Home',
        units_sold: 2,
        revenue: 11,
        orders: 2,
      },
      {
        product_id: PEN,
        product_name: 'Gel Pen',
        category: 'Office',
        units_sold: 4,
        revenue: 0.5,
        orders: 2,
      },
      {
        product_id: MYSTERY,
        product_name: 'Mystery Box',
        category: null,
        units_sold: 1,
        revenue: 3,
        orders: 1,
      },
    ],
  },
  stock_levels: {
    sql: 'SELECT * FROM stock_levels ORDER BY product_id, warehouse_id',
    rows: [
      {
        product_id: CHAIR,
        product_name: 'Ergonomic Chair',
        warehouse_id: BERLIN,
        warehouse_name: 'Berlin Hub',
        stock_level: 47,
        reorder_point: 10,
        low_stock: false,
        movements: 3,
        last_movement_at: '2024-05-02T12:00:40.000Z',
      },
      {
        product_id: LAMP,
        product_name: 'Desk Lamp',
        warehouse_id: BERLIN,
        warehouse_name: 'Berlin Hub',
        stock_level: 2,
        reorder_point: 3,
        low_stock: true,
        movements: 4,
        last_movement_at: '2024-05-02T18:00:00.000Z',
      },
      {
        product_id: PEN,
        product_name: 'Gel Pen',
        warehouse_id: PARIS,
        warehouse_name: 'Paris Hub',
        stock_level: 8,
        reorder_point: 5,
        low_stock: false,
        movements: 3,
        last_movement_at: '2024-05-03T10:00:00.000Z',
      },
      {
        product_id: MYSTERY,
        product_name: null,
        warehouse_id: PARIS,
        warehouse_name: 'Paris Hub',
        stock_level: 1,
        reorder_point: null,
        low_stock: null,
        movements: 1,
        last_movement_at: '2024-05-02T07:00:00.000Z',
      },
    ],
  },
  sessions: {
    sql: 'SELECT * FROM sessions ORDER BY started_at',
    rows: [
      [S1, ADA, 'web', '2024-05-01T09:58:00.000Z', '2024-05-01T10:01:00.000Z', 4, true, true, true],
      [S5, BO, 'web', '2024-05-01T15:00:00.000Z', '2024-05-01T15:05:00.000Z', 4, true, false, false],
      [S2, BO, 'mobile', '2024-05-01T23:20:00.000Z', '2024-05-01T23:25:00.000Z', 3, true, false, false],
      [S3, CY, 'tablet', '2024-05-02T12:00:00.000Z', '2024-05-02T12:01:00.000Z', 3, false, true, true],
      [S4, ADA, 'web', '2024-05-02T12:29:00.000Z', '2024-05-02T12:31:00.000Z', 6, true, true, true],
    ].map(([session, user, platform, started, ended, n, viewed, carted, ordered]) => ({
      session_id: session,
      user_id: user,
      platform,
      started_at: started,
      ended_at: ended,
      activities: n,
      viewed_product: viewed,
      added_to_cart: carted,
      ordered,
    })),
  },
  conversion_funnel: {
    sql: 'SELECT * FROM conversion_funnel ORDER BY activity_date, platform',
    rows: [
      ['2024-05-01', 'mobile', 1, 1, 0, 0, 0, null, 0],
      ['2024-05-01', 'web', 2, 2, 1, 1, 0.5, 1, 0.5],
      ['2024-05-02', 'tablet', 1, 0, 0, 0, null, null, null],
      ['2024-05-02', 'web', 1, 1, 1, 1, 1, 1, 1],
    ].map(([day, platform, sessions, viewed, carted, ordered, viewToCart, cartToOrder, conversion]) => ({
      activity_date: day,
      platform,
      sessions,
      viewed_product: viewed,
      added_to_cart: carted,
      ordered,
      view_to_cart_rate: viewToCart,
      cart_to_order_rate: cartToOrder,
      conversion_rate: conversion,
    })),
  },
  daily_active_users: {
    sql: 'SELECT * FROM daily_active_users ORDER BY activity_date, platform',
    rows: [
      { activity_date: '2024-05-01', platform: 'mobile', active_users: 1, sessions: 1, activities: 3 },
      { activity_date: '2024-05-01', platform: 'web', active_users: 2, sessions: 2, activities: 8 },
      { activity_date: '2024-05-02', platform: 'tablet', active_users: 1, sessions: 1, activities: 3 },
      { activity_date: '2024-05-02', platform: 'web', active_users: 1, sessions: 1, activities: 6 },
    ],
  },
  error_counts: {
    sql: 'SELECT * FROM error_counts ORDER BY error_code',
    rows: [
      {
        error_code: 'SHOP_E_DECODE_JSON',
        errors: 1,
        first_seen_at: '2024-05-02T11:00:00.000Z',
        last_seen_at: '2024-05-02T11:00:00.000Z',
      },
      {
        error_code: 'SHOP_E_FIELD_ENUM',
        errors: 2,
        first_seen_at: '2024-05-02T10:00:00.000Z',
        last_seen_at: '2024-05-03T09:00:00.000Z',
      },
    ],
  },
  recent_errors: {
    sql: 'SELECT ingestion_time, error_code, error_path, message_id, payload_preview, payload_encoding FROM recent_errors ORDER BY ingestion_time DESC',
    rows: [
      ['2024-05-03T09:00:00.000Z', 'SHOP_E_FIELD_ENUM', '/activity_type', 'm4', X3],
      ['2024-05-02T11:00:00.000Z', 'SHOP_E_DECODE_JSON', '', 'm3', X2.slice(0, 200)],
      ['2024-05-02T10:00:00.000Z', 'SHOP_E_FIELD_ENUM', '/status', 'm1', X1],
    ].map(([at, code, path, messageId, preview]) => ({
      ingestion_time: at,
      error_code: code,
      error_path: path,
      message_id: messageId,
      payload_preview: preview,
      payload_encoding: 'utf8',
    })),
  },
};

describe('views on DuckDB: known answers', () => {
  let dir: string;
  let warehouse: DuckDbWarehouse;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shopstream-kat-'));
    const path = join(dir, 'warehouse.duckdb');
    warehouse = new DuckDbWarehouse({ uri: `duckdb:${path}`, path });
    await warehouse.start();
    await warehouse.ensureSchema();
    await warehouse.loadReferenceData(universe);
    await warehouse.append('orders', orders);
    await warehouse.append('inventory', inventory);
    await warehouse.append('user_activity', activities);
    await warehouse.appendErrors(errors);
  });

  afterAll(async () => {
    await warehouse?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has an expected answer for every view of the model', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(VIEWS.map((v) => v.name).sort());
  });

  it('holds every delivery in the raw tables, duplicates included', async () => {
    const { rows } = await warehouse.query(
      `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM inventory) AS inventory,
              (SELECT count(*) FROM user_activity) AS user_activity, (SELECT count(*) FROM ingest_errors) AS errors`,
    );
    expect(rows).toEqual([{ orders: 12, inventory: 12, user_activity: 21, errors: 4 }]);
  });

  it.each(Object.keys(EXPECTED))('%s answers as worked out by hand', async (view) => {
    const { sql, rows } = EXPECTED[view]!;
    expect((await warehouse.query(sql)).rows).toEqual(rows);
  });

  it('answers the same after every row is appended again (views are exactly-once by event_id)', async () => {
    const snapshot = async () =>
      Object.fromEntries(
        await Promise.all(
          VIEWS.map(async (v) => [
            v.name,
            (await warehouse.query(`SELECT * FROM ${v.name}`)).rows.map((r) => JSON.stringify(r)).sort(),
          ]),
        ),
      );
    const before = await snapshot();
    await warehouse.append('orders', orders);
    await warehouse.append('inventory', inventory);
    await warehouse.append('user_activity', activities);
    await warehouse.appendErrors(errors);
    await warehouse.loadReferenceData(universe);
    await warehouse.ensureSchema();
    expect((await warehouse.query('SELECT count(*) AS n FROM orders')).rows).toEqual([{ n: 24 }]);
    expect(await snapshot()).toEqual(before);
    for (const view of Object.keys(EXPECTED))
      expect((await warehouse.query(EXPECTED[view]!.sql)).rows, view).toEqual(EXPECTED[view]!.rows);
  });
});
