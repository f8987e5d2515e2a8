import type { EventType } from '../../contract/event-types.js';

/** Where an enumeration table's values live in the contract. */
export interface EnumerationSource {
  readonly table: string;
  readonly eventType: EventType;
  /** The enum's dotted path in the event (`metadata.platform`). */
  readonly path: string;
}

/**
 * The enumeration tables and the enums they hold, without their rows: safe to read even when the
 * contract and enumerations.ts disagree (which is what `contract check` reports on a widened enum).
 */
export const ENUMERATION_SOURCES = {
  orderStatus: { table: 'ref_order_status', eventType: 'order', path: 'status' },
  inventoryReason: { table: 'ref_inventory_reason', eventType: 'inventory', path: 'reason' },
  activityType: { table: 'ref_activity_type', eventType: 'user_activity', path: 'activity_type' },
  platform: { table: 'ref_platform', eventType: 'user_activity', path: 'metadata.platform' },
} as const satisfies Record<string, EnumerationSource>;
