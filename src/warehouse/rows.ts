import type { AcceptedMessage } from '../contract/message-checker.js';
import type { EventType, InventoryEvent, OrderEvent, UserActivityEvent } from '../contract/event-types.js';
import type { Column } from './model/table-model.js';
import { tableNamed } from './model/tables.js';

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

/**
 * Builds the warehouse row of an accepted event: the table's columns only (so the contract's fields,
 * nested ones included, and nothing a producer added beyond them), plus the ingest columns. The
 * columns come from the warehouse model, which derives them from the schemas, so a field added to
 * the contract is in the row without a change here.
 */
export function rowOf(
  message: AcceptedMessage,
  publishTime: string,
  ingestionTime: string,
): RowByTable[EventTableName] {
  const row = PROJECTIONS[TABLE_OF_TYPE[message.eventType]](message.event as unknown as Fields);
  row.event_id = message.eventId;
  row.publish_time = publishTime;
  row.ingestion_time = ingestionTime;
  return row as unknown as RowByTable[EventTableName];
}

type Fields = Record<string, unknown>;
type Projection = (value: Fields) => Fields;

const INGEST_COLUMN_NAMES: ReadonlySet<string> = new Set(['event_id', 'publish_time', 'ingestion_time']);

/** Copies the named columns of an object, recursing into STRUCTs (and arrays of them); absent stay absent. */
function projectionOf(columns: readonly Column[]): Projection {
  const parts = columns.map((column) => {
    const nested = column.fields ? projectionOf(column.fields) : undefined;
    return { name: column.name, nested, repeated: column.mode === 'REPEATED' };
  });
  return (value) => {
    const out: Fields = {};
    for (const { name, nested, repeated } of parts) {
      const field = value[name];
      if (field === undefined) continue;
      out[name] =
        nested === undefined || field === null
          ? field
          : repeated
            ? (field as Fields[]).map((element) => (element === null ? null : nested(element)))
            : nested(field as Fields);
    }
    return out;
  };
}

const PROJECTIONS = Object.fromEntries(
  EVENT_TABLES.map((table) => [
    table,
    projectionOf(tableNamed(table).columns.filter((c) => !INGEST_COLUMN_NAMES.has(c.name))),
  ]),
) as Record<EventTableName, Projection>;
