import type { AcceptedMessage } from '../contract/message-checker.js';
import type { EventType, InventoryEvent, OrderEvent, UserActivityEvent } from '../contract/event-types.js';

/** Columns every raw event table has besides the event's own fields. */
export interface IngestColumns {
  /** See contract/event-id.ts: a hash of the message bytes. */
  readonly event_id: string;
  /** When the bus accepted the message (UTC ISO-8601). */
  readonly publish_time: string;
  /** When the pipeline made the row (UTC ISO-8601). */
  readonly ingestion_time: string;
}

/** Rows keep exactly the contract's fields (unknown extras stay in the raw lake only); times in UTC. */
export type OrderRow = Omit<OrderEvent, 'event_type'> & IngestColumns;
export type InventoryRow = Omit<InventoryEvent, 'event_type'> & IngestColumns;
export type UserActivityRow = Omit<UserActivityEvent, 'event_type'> & IngestColumns;

export type EventTableName = 'orders' | 'inventory' | 'user_activity';

/** The raw event tables, in a fixed order. */
export const EVENT_TABLES: readonly EventTableName[] = ['orders', 'inventory', 'user_activity'];

export interface RowByTable {
  orders: OrderRow;
  inventory: InventoryRow;
  user_activity: UserActivityRow;
}
export type RowOf<T extends EventTableName> = RowByTable[T];

export const TABLE_OF_TYPE: Readonly<Record<EventType, EventTableName>> = {
  order: 'orders',
  inventory: 'inventory',
  user_activity: 'user_activity',
};

/** A DLQ record as a row of `ingest_errors`. */
export interface IngestErrorRow {
  readonly error_code: string;
  readonly error_path: string;
  readonly error_message: string;
  readonly message_id: string;
  /** Hash of the payload bytes, as for events: counts a redelivered bad message once. */
  readonly event_id: string;
  readonly publish_time: string;
  readonly ingestion_time: string;
  /** Message attributes as a JSON object text. */
  readonly attributes: string;
  /** The payload: as text when it is valid UTF-8, else base64 (see payload_encoding). */
  readonly payload: string;
  readonly payload_encoding: 'utf8' | 'base64';
}

/** Builds the warehouse row of an accepted event: the contract's fields only, plus ingest columns. */
export function rowOf(
  message: AcceptedMessage,
  publishTime: string,
  ingestionTime: string,
): RowByTable[EventTableName] {
  const e = message.event;
  const meta = { event_id: message.eventId, publish_time: publishTime, ingestion_time: ingestionTime };
  switch (e.event_type) {
    case 'order':
      return {
        order_id: e.order_id,
        customer_id: e.customer_id,
        order_date: e.order_date,
        status: e.status,
        items: e.items.map((i) => ({
          product_id: i.product_id,
          product_name: i.product_name,
          quantity: i.quantity,
          price: i.price,
        })) as OrderRow['items'],
        shipping_address: {
          street: e.shipping_address.street,
          city: e.shipping_address.city,
          country: e.shipping_address.country,
        },
        total_amount: e.total_amount,
        ...meta,
      };
    case 'inventory':
      return {
        inventory_id: e.inventory_id,
        product_id: e.product_id,
        warehouse_id: e.warehouse_id,
        quantity_change: e.quantity_change,
        reason: e.reason,
        timestamp: e.timestamp,
        ...meta,
      };
    case 'user_activity':
      return {
        user_id: e.user_id,
        activity_type: e.activity_type,
        ip_address: e.ip_address,
        user_agent: e.user_agent,
        timestamp: e.timestamp,
        metadata: { session_id: e.metadata.session_id, platform: e.metadata.platform },
        ...meta,
      };
  }
}
