import type { InventoryEvent, OrderEvent, UserActivityEvent } from './event-types.generated.js';

export type {
  InventoryEvent,
  OrderEvent,
  OrderItem,
  ShippingAddress,
  ActivityMetadata,
  UserActivityEvent,
} from './event-types.generated.js';

/** The three event types that share the topic; the only values that ever appear in a lake path. */
export const EVENT_TYPES = ['order', 'inventory', 'user_activity'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Any valid event, discriminated by `event_type`. */
export type ShopEvent = OrderEvent | InventoryEvent | UserActivityEvent;

/** Maps an event type to its event. */
export interface EventByType {
  order: OrderEvent;
  inventory: InventoryEvent;
  user_activity: UserActivityEvent;
}

export function isEventType(value: unknown): value is EventType {
  return value === 'order' || value === 'inventory' || value === 'user_activity';
}
