import type { EventType, ShopEvent } from '../contract/event-types.js';
import type { ReferenceData } from '../warehouse/reference-data.js';
import { randomIpAddress } from './ip-address.js';
import type { RandomSource } from './random-source.js';
import type { Platform, UserAgentPool } from './user-agent-pool.js';

const PLATFORMS: readonly Platform[] = ['web', 'mobile', 'tablet'];
const STATUSES = ['pending', 'processing', 'shipped', 'delivered'] as const;
const REASONS = ['restock', 'sale', 'return', 'damage'] as const;
const ACTIVITIES = ['login', 'logout', 'view_product', 'add_to_cart', 'remove_from_cart'] as const;

/**
 * A plausible, valid, stand-alone event of `type` drawn from the universe, with no effect on any
 * story: the raw material that invalid messages are made from, so that injecting them never
 * changes the valid traffic.
 */
export function sampleEvent(
  type: EventType,
  universe: ReferenceData,
  userAgents: UserAgentPool,
  rng: RandomSource,
  timestamp: string,
): ShopEvent {
  const customer = rng.pick(universe.customers);
  if (type === 'order') {
    const product = rng.pick(universe.products);
    const quantity = rng.int(1, 3);
    return {
      event_type: 'order',
      order_id: rng.uuid(),
      customer_id: customer.customer_id,
      order_date: timestamp,
      status: rng.pick(STATUSES),
      items: [
        {
          product_id: product.product_id,
          product_name: product.product_name,
          quantity,
          price: product.price,
        },
      ],
      shipping_address: { street: customer.street, city: customer.city, country: customer.country },
      total_amount: (quantity * Math.round(product.price * 100)) / 100,
    };
  }
  if (type === 'inventory') {
    const reason = rng.pick(REASONS);
    const units = rng.int(1, 20);
    return {
      event_type: 'inventory',
      inventory_id: rng.uuid(),
      product_id: rng.pick(universe.products).product_id,
      warehouse_id: rng.pick(universe.warehouses).warehouse_id,
      quantity_change: reason === 'sale' || reason === 'damage' ? -units : units,
      reason,
      timestamp,
    };
  }
  const platform = rng.pick(PLATFORMS);
  return {
    event_type: 'user_activity',
    user_id: customer.customer_id,
    activity_type: rng.pick(ACTIVITIES),
    ip_address: randomIpAddress(rng),
    user_agent: userAgents.pick(platform, rng),
    timestamp,
    metadata: { session_id: rng.uuid(), platform },
  };
}
