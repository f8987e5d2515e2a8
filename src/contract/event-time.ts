import type { ShopEvent } from './event-types.js';

/**
 * An event's own time, as the contract normalized it (UTC, `YYYY-MM-DDTHH:mm:ss.sssZ`): an order's
 * `order_date`, the `timestamp` of the others. Lake folders, warehouse partitions and reconcile's
 * buckets all go by it.
 */
export function eventTimeOf(event: ShopEvent): string {
  return event.event_type === 'order' ? event.order_date : event.timestamp;
}
