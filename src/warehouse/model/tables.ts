import { EVENT_SCHEMAS } from '../../contract/schemas.js';
import { columnsFromSchema } from './columns-from-schema.js';
import { ENUMERATIONS } from './enumerations.js';
import type { Column, TableModel } from './table-model.js';

const column = (
  name: string,
  type: Column['type'],
  description: string,
  mode: Column['mode'] = 'REQUIRED',
): Column => ({
  name,
  type,
  mode,
  description,
});

/** The columns every raw event table has after the event's own (see rows.ts `IngestColumns`). */
const INGEST_COLUMNS: readonly Column[] = [
  column(
    'event_id',
    'STRING',
    'The event identity: first 128 bits of SHA-256 over the message bytes, as 32 hex digits. A redelivery or a replay of the same message has the same event_id; views keep one row per event_id.',
  ),
  column('publish_time', 'TIMESTAMP', 'When the bus accepted the message (UTC).'),
  column('ingestion_time', 'TIMESTAMP', 'When the pipeline wrote the row (UTC).'),
];

/** Descriptions for the properties the contract leaves undescribed. */
const FALLBACK_DESCRIPTIONS: Readonly<Record<string, string>> = {
  shipping_address: 'Where the order ships to.',
  'shipping_address.street': 'Street and number.',
  'shipping_address.city': 'City.',
  'shipping_address.country': 'Country (the market the order belongs to).',
  metadata: 'The session the activity belongs to.',
};

const RAW_NOTE =
  'Append-only and at-least-once: a redelivered message adds a second row with the same event_id. Query the views (exactly-once by event_id) for answers.';

const orders: TableModel = {
  name: 'orders',
  kind: 'event',
  description: `Order events as received, one row per delivered event; an order has one event per status. ${RAW_NOTE}`,
  columns: [...columnsFromSchema(EVENT_SCHEMAS.order, FALLBACK_DESCRIPTIONS), ...INGEST_COLUMNS],
  partitioning: { column: 'order_date', granularity: 'DAY' },
  clustering: ['status', 'customer_id'],
  relationships: [
    { column: 'customer_id', references: { table: 'ref_customers', column: 'customer_id' } },
    { column: 'status', references: { table: 'ref_order_status', column: 'status' } },
    { column: 'items.product_id', references: { table: 'ref_products', column: 'product_id' } },
  ],
  key: ['event_id'],
};

const inventory: TableModel = {
  name: 'inventory',
  kind: 'event',
  description: `Stock movements as received, one row per delivered event. ${RAW_NOTE}`,
  columns: [...columnsFromSchema(EVENT_SCHEMAS.inventory, FALLBACK_DESCRIPTIONS), ...INGEST_COLUMNS],
  partitioning: { column: 'timestamp', granularity: 'DAY' },
  clustering: ['reason', 'product_id', 'warehouse_id'],
  relationships: [
    { column: 'product_id', references: { table: 'ref_products', column: 'product_id' } },
    { column: 'warehouse_id', references: { table: 'ref_warehouses', column: 'warehouse_id' } },
    { column: 'reason', references: { table: 'ref_inventory_reason', column: 'reason' } },
  ],
  key: ['event_id'],
};

const userActivity: TableModel = {
  name: 'user_activity',
  kind: 'event',
  description: `User actions in sessions as received, one row per delivered event. ${RAW_NOTE}`,
  columns: [...columnsFromSchema(EVENT_SCHEMAS.user_activity, FALLBACK_DESCRIPTIONS), ...INGEST_COLUMNS],
  partitioning: { column: 'timestamp', granularity: 'DAY' },
  clustering: ['activity_type', 'user_id'],
  relationships: [
    { column: 'user_id', references: { table: 'ref_customers', column: 'customer_id' } },
    { column: 'activity_type', references: { table: 'ref_activity_type', column: 'activity_type' } },
    { column: 'metadata.platform', references: { table: 'ref_platform', column: 'platform' } },
  ],
  key: ['event_id'],
};

/** DLQ records (see rows.ts `IngestErrorRow`), so failures can be counted with SQL. */
const ingestErrors: TableModel = {
  name: 'ingest_errors',
  kind: 'errors',
  description:
    'Messages that broke the contract (the DLQ), one row per delivery; the payload is kept so it can be fixed and replayed. Append-only and at-least-once: error_counts and recent_errors count each (event_id, error_code) once.',
  columns: [
    column('error_code', 'STRING', 'Why the message was rejected: a SHOP_E_* code (docs/errors.md).'),
    column(
      'error_path',
      'STRING',
      'JSON Pointer to the offending field; empty when the whole message is at fault.',
    ),
    column('error_message', 'STRING', 'Human explanation of the failure.'),
    column('message_id', 'STRING', 'The bus message id of this delivery.'),
    column(
      'event_id',
      'STRING',
      'Hash of the payload bytes, as for events: a redelivered bad message has the same event_id.',
    ),
    column('publish_time', 'TIMESTAMP', 'When the bus accepted the message (UTC).'),
    column('ingestion_time', 'TIMESTAMP', 'When the pipeline dead-lettered it (UTC).'),
    column('attributes', 'STRING', 'The message attributes, as a JSON object text.'),
    column('payload', 'STRING', 'The message payload: its text when it is valid UTF-8, otherwise base64.'),
    column('payload_encoding', 'STRING', 'utf8 or base64: how payload is written.'),
  ],
  partitioning: { column: 'ingestion_time', granularity: 'DAY' },
  clustering: ['error_code'],
  relationships: [],
  key: ['event_id', 'error_code'],
};

const REFERENCE_NOTE =
  "Loaded by `shopstream setup` from the generator's seeded universe; replaced as a whole.";

const refCustomers: TableModel = {
  name: 'ref_customers',
  kind: 'reference',
  description: `Customers, who are also the users of user_activity (user_id = customer_id). ${REFERENCE_NOTE}`,
  columns: [
    column('customer_id', 'STRING', 'The customer (orders.customer_id, user_activity.user_id).'),
    column('first_name', 'STRING', 'Given name.'),
    column('last_name', 'STRING', 'Family name.'),
    column('email', 'STRING', 'Email address.'),
    column('street', 'STRING', 'Home street and number.'),
    column('city', 'STRING', 'Home city.'),
    column('country', 'STRING', 'Home country.'),
    column('preferred_platform', 'STRING', 'The platform they mostly use: web, mobile or tablet.'),
    column('signup_date', 'DATE', 'When they signed up.'),
  ],
  partitioning: null,
  clustering: [],
  relationships: [
    { column: 'preferred_platform', references: { table: 'ref_platform', column: 'platform' } },
  ],
  key: ['customer_id'],
};

const refProducts: TableModel = {
  name: 'ref_products',
  kind: 'reference',
  description: `Products the shop sells. ${REFERENCE_NOTE}`,
  columns: [
    column('product_id', 'STRING', 'The product (order items, inventory).'),
    column('product_name', 'STRING', 'Current product name.'),
    column('category', 'STRING', 'Product category.'),
    column('price', 'NUMERIC', 'List price in the shop currency.'),
    column('reorder_point', 'INT64', 'Stock at or below which the product is low in a warehouse.'),
  ],
  partitioning: null,
  clustering: [],
  relationships: [],
  key: ['product_id'],
};

const refWarehouses: TableModel = {
  name: 'ref_warehouses',
  kind: 'reference',
  description: `Warehouses that hold stock. ${REFERENCE_NOTE}`,
  columns: [
    column('warehouse_id', 'STRING', 'The warehouse (inventory.warehouse_id).'),
    column('warehouse_name', 'STRING', 'Name of the site.'),
    column('city', 'STRING', 'City of the site.'),
    column('country', 'STRING', 'Country of the site.'),
  ],
  partitioning: null,
  clustering: [],
  relationships: [],
  key: ['warehouse_id'],
};

/** Every table of the model: raw events, DLQ records, reference entities and enumerations. */
export const TABLES: readonly TableModel[] = [
  orders,
  inventory,
  userActivity,
  ingestErrors,
  refCustomers,
  refProducts,
  refWarehouses,
  ...ENUMERATIONS.map((e) => e.table),
];

/** The table of the model with this name; throws for a name the model does not have. */
export function tableNamed(name: string): TableModel {
  const table = TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`warehouse model: no table ${name}`);
  return table;
}
