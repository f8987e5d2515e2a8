import type { OrderEvent } from '../contract/event-types.js';
import type { StoryContext } from './story-context.js';
import type { Task } from './task-queue.js';

const LIFECYCLE: readonly OrderEvent['status'][] = ['pending', 'processing', 'shipped', 'delivered'];

/**
 * One order's life: placed (`pending`) at checkout with the items that were in the cart, then
 * moved through processing → shipped → delivered under the same `order_id`, each status a new
 * event at a later time. Each item's units leave the stock room as a `sale` when the order is
 * placed; now and then a delivered order sends an item back (`return`).
 *
 * Tens of thousands of orders are in transit at once, so an order keeps only indexes into the
 * universe and re-assembles its JSON from pre-serialized fragments for each status.
 */
export class OrderStory implements Task {
  private readonly orderId: string;
  private readonly products: readonly number[];
  // Plain arrays of small integers: a typed array costs ~200 bytes of overhead per order.
  private readonly quantities: number[] = [];
  private readonly warehouses: number[] = [];
  /** Σ quantity × price in whole cents: exact, unlike a sum of floating-point prices. */
  private readonly cents: number;
  private status = 0;

  /** Places the order at `atMs` (emitting `pending` and the sales) and schedules its next status. */
  constructor(
    private readonly ctx: StoryContext,
    private readonly customer: number,
    cart: readonly number[],
    atMs: number,
  ) {
    const { rng, universe } = ctx;
    this.orderId = rng.uuid();
    this.products = cart;
    let cents = 0;
    for (const product of cart) {
      // Most lines are single units; some customers buy two, a few a handful.
      const u = rng.next();
      const quantity = u < 0.72 ? 1 : u < 0.92 ? 2 : rng.int(3, 5);
      this.quantities.push(quantity);
      // Reference prices carry whole cents.
      cents += quantity * Math.round(universe.products[product]!.price * 100);
    }
    this.cents = cents;
    this.emitStatus(atMs);
    cart.forEach((product, i) => this.warehouses.push(ctx.stock.sell(product, this.quantities[i]!, atMs)));
    this.scheduleNext(atMs);
  }

  run(atMs: number): void {
    this.status++;
    this.emitStatus(atMs);
    if (this.status < LIFECYCLE.length - 1) return this.scheduleNext(atMs);
    const { rng, profile } = this.ctx;
    if (rng.chance(profile.returnProbability)) {
      const line = rng.int(0, this.products.length - 1);
      const quantity = rng.int(1, this.quantities[line]!);
      const product = this.products[line]!;
      const warehouse = this.warehouses[line]!;
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
    const { index } = this.ctx;
    let items = '';
    for (let i = 0; i < this.products.length; i++) {
      const product = this.products[i]!;
      items += `${i === 0 ? '' : ','}${index.orderLineHead[product]}${this.quantities[i]}${index.orderLineTail[product]}`;
    }
    // OrderEvent fields in schema order, as JSON.stringify of the object would write them.
    this.ctx.emit(
      'order',
      `{"event_type":"order","order_id":"${this.orderId}","customer_id":${index.customerIdJson[this.customer]},"order_date":"${this.ctx.timestamp(atMs)}","status":"${LIFECYCLE[this.status]}","items":[${items}],"shipping_address":${index.addressJson[this.customer]},"total_amount":${this.cents / 100}}`,
    );
  }
}
