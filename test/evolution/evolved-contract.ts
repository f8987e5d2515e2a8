import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/project-root.js';

/** The fields the compatible change adds to order, at the top level and nested. */
export const NEW_ORDER_FIELDS = [
  'orders.items.discount',
  'orders.shipping_address.postal_code',
  'orders.coupon_code',
];

type Schema = { properties: Record<string, Schema>; required?: string[]; items?: Schema } & Record<
  string,
  unknown
>;

/**
 * Writes a copy of the project's contract into `dir`, changed:
 * - `compatible`: order gains an optional `coupon_code` (top level), `items[].discount` (inside the
 *   array's records) and `shipping_address.postal_code` (inside a record);
 * - `breaking`: order loses its required `customer_id`, and `total_amount` becomes a string.
 * Returns `dir`, for SHOPSTREAM_SCHEMAS.
 */
export function writeEvolvedContract(dir: string, change: 'compatible' | 'breaking'): string {
  mkdirSync(dir, { recursive: true });
  cpSync(join(projectRoot(), 'schemas'), dir, { recursive: true });
  const path = join(dir, 'order.schema.json');
  const order = JSON.parse(readFileSync(path, 'utf8')) as Schema;
  if (change === 'compatible') {
    order.properties.coupon_code = {
      type: 'string',
      maxLength: 64,
      description: 'The coupon the customer redeemed, if any.',
    } as unknown as Schema;
    order.properties.items!.items!.properties.discount = {
      type: 'number',
      minimum: 0,
      description: 'Discount on the unit price.',
    } as unknown as Schema;
    order.properties.shipping_address!.properties.postal_code = {
      type: 'string',
      maxLength: 20,
      description: 'Postal code.',
    } as unknown as Schema;
  } else {
    delete order.properties.customer_id;
    order.required = order.required!.filter((name) => name !== 'customer_id');
    order.properties.total_amount!.type = 'string';
  }
  writeFileSync(path, JSON.stringify(order, null, 2) + '\n');
  return dir;
}

/** An order event as its producer sends it, and what it carries of the new fields. */
export interface SentOrder {
  readonly payload: Buffer;
  readonly orderId: string;
  /** Set on every other order: the new fields are in its bytes. */
  readonly coupon: string | null;
}

/**
 * `count` order events for 2025-03-01 (one minute apart from `firstMinute`); every other one
 * carries the new fields (as a producer upgraded first sends them), and every third one has its
 * time with an offset, so rows take both of the pipeline's row paths (its own line, or a row built
 * from the event).
 */
export function sentOrders(count: number, firstMinute = 0): SentOrder[] {
  return Array.from({ length: count }, (_, i) => {
    const withNew = i % 2 === 0;
    const minute = String((firstMinute + i) % 60).padStart(2, '0');
    const hour = String(10 + Math.floor((firstMinute + i) / 60)).padStart(2, '0');
    const orderId = randomUUID();
    const coupon = withNew ? `SPRING-${i}` : null;
    const event = {
      event_type: 'order',
      order_id: orderId,
      customer_id: randomUUID(),
      order_date:
        i % 3 === 0
          ? `2025-03-01T${String(Number(hour) + 2)}:${minute}:00+02:00`
          : `2025-03-01T${hour}:${minute}:00Z`,
      status: 'pending',
      items: [
        {
          product_id: randomUUID(),
          product_name: 'Mug',
          quantity: 2,
          price: 4.5,
          ...(withNew ? { discount: 0.5 } : {}),
        },
        { product_id: randomUUID(), product_name: 'Tea', quantity: 1, price: 3 },
      ],
      shipping_address: {
        street: '1 Main St',
        city: 'Lyon',
        country: 'France',
        ...(withNew ? { postal_code: '69001' } : {}),
      },
      total_amount: 12,
      ...(coupon ? { coupon_code: coupon } : {}),
    };
    return { payload: Buffer.from(JSON.stringify(event)), orderId, coupon };
  });
}

/** Writes payloads as one archive file (`events_<time>_<id>.json`), as the archiver does. */
export function writeArchiveFile(folder: string, time: string, orders: readonly SentOrder[]): void {
  mkdirSync(folder, { recursive: true });
  const lines = orders.map((o) => o.payload.toString('utf8')).join('\n') + '\n';
  writeFileSync(join(folder, `events_${time}_${randomUUID()}.json`), lines);
}
