import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS } from '../../contract/schemas.js';
import type { ReferenceCustomer, ReferenceProduct, ReferenceWarehouse } from '../reference-data.js';
import type { IngestErrorRow, InventoryRow, OrderRow, UserActivityRow } from '../rows.js';
import { ENUMERATIONS } from './enumerations.js';
import type { Column } from './table-model.js';
import { TABLES, tableNamed } from './tables.js';

// Each record lists every key of a row type: the compiler fails when rows.ts or reference-data.ts
// gain or lose a field, and the tests below fail when the model's table does not follow.
const ORDER_ROW: Record<keyof OrderRow, true> = {
  order_id: true,
  customer_id: true,
  order_date: true,
  status: true,
  items: true,
  shipping_address: true,
  total_amount: true,
  event_id: true,
  publish_time: true,
  ingestion_time: true,
};
const INVENTORY_ROW: Record<keyof InventoryRow, true> = {
  inventory_id: true,
  product_id: true,
  warehouse_id: true,
  quantity_change: true,
  reason: true,
  timestamp: true,
  event_id: true,
  publish_time: true,
  ingestion_time: true,
};
const USER_ACTIVITY_ROW: Record<keyof UserActivityRow, true> = {
  user_id: true,
  activity_type: true,
  ip_address: true,
  user_agent: true,
  timestamp: true,
  metadata: true,
  event_id: true,
  publish_time: true,
  ingestion_time: true,
};
const INGEST_ERROR_ROW: Record<keyof IngestErrorRow, true> = {
  error_code: true,
  error_path: true,
  error_message: true,
  message_id: true,
  event_id: true,
  publish_time: true,
  ingestion_time: true,
  attributes: true,
  payload: true,
  payload_encoding: true,
};
const CUSTOMER: Record<keyof ReferenceCustomer, true> = {
  customer_id: true,
  first_name: true,
  last_name: true,
  email: true,
  street: true,
  city: true,
  country: true,
  preferred_platform: true,
  signup_date: true,
};
const PRODUCT: Record<keyof ReferenceProduct, true> = {
  product_id: true,
  product_name: true,
  category: true,
  price: true,
  reorder_point: true,
};
const WAREHOUSE: Record<keyof ReferenceWarehouse, true> = {
  warehouse_id: true,
  warehouse_name: true,
  city: true,
  country: true,
};

const names = (table: string): string[] => tableNamed(table).columns.map((c) => c.name);
const column = (table: string, path: string): Column | undefined => {
  let columns: readonly Column[] | undefined = tableNamed(table).columns;
  let found: Column | undefined;
  for (const part of path.split('.')) {
    found = columns?.find((c) => c.name === part);
    columns = found?.fields;
  }
  return found;
};

describe('warehouse model: tables', () => {
  it.each([
    ['orders', ORDER_ROW],
    ['inventory', INVENTORY_ROW],
    ['user_activity', USER_ACTIVITY_ROW],
    ['ingest_errors', INGEST_ERROR_ROW],
    ['ref_customers', CUSTOMER],
    ['ref_products', PRODUCT],
    ['ref_warehouses', WAREHOUSE],
  ])('%s has exactly the fields of the rows written to it', (table, row) => {
    expect(names(table).sort()).toEqual(Object.keys(row).sort());
  });

  it('derives event columns from the JSON Schemas: types, nesting, nullability, descriptions', () => {
    expect(tableNamed('orders').columns.map((c) => [c.name, c.type, c.mode])).toEqual([
      ['order_id', 'STRING', 'REQUIRED'],
      ['customer_id', 'STRING', 'REQUIRED'],
      ['order_date', 'TIMESTAMP', 'REQUIRED'],
      ['status', 'STRING', 'REQUIRED'],
      ['items', 'STRUCT', 'REPEATED'],
      ['shipping_address', 'STRUCT', 'REQUIRED'],
      ['total_amount', 'NUMERIC', 'REQUIRED'],
      ['event_id', 'STRING', 'REQUIRED'],
      ['publish_time', 'TIMESTAMP', 'REQUIRED'],
      ['ingestion_time', 'TIMESTAMP', 'REQUIRED'],
    ]);
    expect(column('orders', 'items')?.fields?.map((f) => [f.name, f.type, f.mode])).toEqual([
      ['product_id', 'STRING', 'REQUIRED'],
      ['product_name', 'STRING', 'REQUIRED'],
      ['quantity', 'INT64', 'REQUIRED'],
      ['price', 'NUMERIC', 'REQUIRED'],
    ]);
    const schemaItems = (EVENT_SCHEMAS.order.properties as Record<string, { description: string }>).items!;
    expect(column('orders', 'items')?.description).toBe(schemaItems.description);
    expect(column('user_activity', 'metadata.platform')?.type).toBe('STRING');
    expect(column('inventory', 'quantity_change')?.type).toBe('INT64');
  });

  it('documents every column, nested fields included', () => {
    const undocumented = (columns: readonly Column[], prefix: string): string[] =>
      columns.flatMap((c) => [
        ...(c.description.trim() ? [] : [`${prefix}${c.name}`]),
        ...undocumented(c.fields ?? [], `${prefix}${c.name}.`),
      ]);
    expect(TABLES.flatMap((t) => undocumented(t.columns, `${t.name}.`))).toEqual([]);
    expect(TABLES.filter((t) => !t.description.trim()).map((t) => t.name)).toEqual([]);
  });

  it('partitions by day of a REQUIRED time column, and clusters by at most four top-level scalar columns', () => {
    for (const table of TABLES) {
      if (table.partitioning) {
        const time = column(table.name, table.partitioning.column);
        expect(['TIMESTAMP', 'DATE'], table.name).toContain(time?.type);
        expect(time?.mode, table.name).toBe('REQUIRED');
      }
      expect(table.clustering.length, table.name).toBeLessThanOrEqual(4);
      for (const name of table.clustering) {
        const c = table.columns.find((x) => x.name === name);
        expect(c && c.type !== 'STRUCT' && c.mode !== 'REPEATED', `${table.name}.${name}`).toBe(true);
      }
    }
    expect(tableNamed('orders').partitioning?.column).toBe('order_date');
    expect(tableNamed('orders').clustering).toEqual(['status', 'customer_id']);
    expect(tableNamed('inventory').clustering).toEqual(['reason', 'product_id', 'warehouse_id']);
    expect(tableNamed('user_activity').clustering).toEqual(['activity_type', 'user_id']);
    expect(tableNamed('ingest_errors').partitioning?.column).toBe('ingestion_time');
  });

  it('relates columns that exist to key columns of tables that exist', () => {
    for (const table of TABLES)
      for (const { column: path, references } of table.relationships) {
        expect(column(table.name, path), `${table.name}.${path}`).toBeDefined();
        expect(tableNamed(references.table).key, `${table.name}.${path}`).toEqual([references.column]);
      }
  });

  it('has unique table names and unique column names per table', () => {
    const tableNames = TABLES.map((t) => t.name);
    expect(new Set(tableNames).size).toBe(tableNames.length);
    for (const t of TABLES) expect(new Set(names(t.name)).size, t.name).toBe(t.columns.length);
  });
});

describe('warehouse model: enumerations', () => {
  const schemaEnum = (type: keyof typeof EVENT_SCHEMAS, path: string): unknown => {
    let node = EVENT_SCHEMAS[type] as { properties?: Record<string, unknown>; enum?: unknown };
    for (const part of path.split('.')) node = node.properties![part] as typeof node;
    return node.enum;
  };

  it.each(ENUMERATIONS.map((e) => [e.table.name, e] as const))(
    '%s holds exactly the schema enum values',
    (_name, e) => {
      expect(e.rows.map((r) => r[e.table.key[0]!])).toEqual(schemaEnum(e.source.eventType, e.source.path));
      for (const row of e.rows)
        expect(Object.keys(row).sort()).toEqual(e.table.columns.map((c) => c.name).sort());
    },
  );

  it('ranks order statuses in lifecycle order, gives stock reasons a direction, and activity types a funnel step', () => {
    const rows = (name: string) => ENUMERATIONS.find((e) => e.table.name === name)!.rows;
    expect(rows('ref_order_status').map((r) => [r.status, r.lifecycle_rank])).toEqual([
      ['pending', 1],
      ['processing', 2],
      ['shipped', 3],
      ['delivered', 4],
    ]);
    expect(rows('ref_inventory_reason').map((r) => [r.reason, r.direction])).toEqual([
      ['restock', 1],
      ['sale', -1],
      ['return', 1],
      ['damage', -1],
    ]);
    expect(
      rows('ref_activity_type')
        .filter((r) => r.funnel_step !== null)
        .map((r) => [r.activity_type, r.funnel_step]),
    ).toEqual([
      ['view_product', 1],
      ['add_to_cart', 2],
    ]);
    expect(rows('ref_platform').map((r) => r.platform)).toEqual(['web', 'mobile', 'tablet']);
  });
});
