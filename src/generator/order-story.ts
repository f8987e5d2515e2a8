import type { OrderEvent, OrderItem, ShippingAddress } from '../contract/event-types.js';
import type { StoryContext } from './story-context.js';
import type { Task } from './task-queue.js';

const LIFECYCLE: readonly OrderEvent['status'][] = ['pending', 'processing', 'shipped', 'delivered'];

/**
 * One order's life: placed (`pending`) at checkout with the items that were in the cart, then
 * moved through processing → shipped → delivered under the same `order_id`, each status a new
 * event at a later time. Each item's units leave the stock room as a `sale` when the order is
 * placed; now and then a delivered order sends an item back (`return`).
 */
export class OrderStory implements Task {
  private readonly orderId: string;
  private readonly customerId: string;
  private readonly items: [OrderItem, ...OrderItem[]];
  private readonly productIndexes: readonly number[];
  private readonly warehouseIndexes: number[] = [];
  private readonly address: ShippingAddress;
  private readonly total: number;
  private status = 0;

  /** Places the order at `atMs` (emitting `pending` and the sales) and schedules its next status. */
  constructor(
    private readonly ctx: StoryContext,
    customer: number,
    cart: readonly number[],
    atMs: number,
  ) {
    const { rng, universe } = ctx;
    const buyer = universe.customers[customer]!;
    this.orderId = rng.uuid();
    this.customerId = buyer.customer_id;
    this.address = { street: buyer.street, city: buyer.city, country: buyer.country };
    this.productIndexes = cart;
    let cents = 0;
    const items = cart.map((index): OrderItem => {
      const product = universe.products[index]!;
      // Most lines are single units; some customers buy two, a few a handful.
      const u = rng.next();
      const quantity = u < 0.72 ? 1 : u < 0.92 ? 2 : rng.int(3, 5);
      // Prices carry whole cents, so summing cents is exact: total = Σ quantity × price.
      cents += quantity * Math.round(product.price * 100);
      return {
        product_id: product.product_id,
        product_name: product.product_name,
        quantity,
        price: product.price,
      };
    });
    this.items = items as [OrderItem, ...OrderItem[]];
    this.total = cents / 100;
    this.emitStatus(atMs);
    items.forEach((item, i) => this.warehouseIndexes.push(ctx.stock.sell(cart[i]!, item.quantity, atMs)));
    this.scheduleNext(atMs);
  }

  run(atMs: number): void {
    this.status++;
    this.emitStatus(atMs);
    if (this.status < LIFECYCLE.length - 1) return this.scheduleNext(atMs);
    const { rng, profile } = this.ctx;
    if (rng.chance(profile.returnProbability)) {
      const line = rng.int(0, this.items.length - 1);
      const quantity = rng.int(1, this.items[line]!.quantity);
      const product = this.productIndexes[line]!;
      const warehouse = this.warehouseIndexes[line]!;
      const [min, max] = profile.returnAfterSeconds;
      this.ctx.schedule(atMs + Math.round(rng.between(min, max) * 1000), {
        run: (at) => this.ctx.stock.takeBack(product, warehouse, quantity, at),
      });
    }
  }

  private scheduleNext(atMs: number): void {
    const { profile, rng } = this.ctx;
    const [min, max] = [
      profile.processingAfterSeconds,
      profile.shippedAfterSeconds,
      profile.deliveredAfterSeconds,
    ][this.status]!;
    this.ctx.schedule(atMs + Math.round(rng.between(min, max) * 1000), this);
  }

  private emitStatus(atMs: number): void {
    this.ctx.emit('order', {
      event_type: 'order',
      order_id: this.orderId,
      customer_id: this.customerId,
      order_date: this.ctx.timestamp(atMs),
      status: LIFECYCLE[this.status]!,
      items: this.items,
      shipping_address: this.address,
      total_amount: this.total,
    });
  }
}
