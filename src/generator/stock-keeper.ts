import type { InventoryEvent } from '../contract/event-types.js';
import type { Simulation } from './story-context.js';
import type { Task } from './task-queue.js';

const MAX_CHANGE = 100;

/**
 * The stock room: stock per (product, warehouse), and every inventory event that moves it — sales
 * of ordered items, reorders when stock falls to the reorder point, returns, damage write-offs.
 *
 * Stock starts at zero, so the sum of `quantity_change` over the generated stream is the stock, and
 * it never goes negative at any point of the stream: a sale only comes from a warehouse holding the
 * goods, and when none does, a restock arrives just before it. Every change is emitted at the moment
 * it is decided, so the stream's running sums equal the ledger.
 */
export class StockKeeper {
  private readonly warehouses: number;
  private readonly stock: Int32Array;
  private readonly reorderPending: Uint8Array;

  constructor(private readonly sim: Simulation) {
    this.warehouses = sim.universe.warehouses.length;
    const cells = sim.universe.products.length * this.warehouses;
    this.stock = new Int32Array(cells);
    this.reorderPending = new Uint8Array(cells);
  }

  /** Units of a product in a warehouse, as the stream so far says. */
  stockOf(product: number, warehouse: number): number {
    return this.stock[product * this.warehouses + warehouse]!;
  }

  /** Starts the background processes (damage write-offs) at `startMs`. */
  start(startMs: number): void {
    if (this.sim.profile.damagesPerSecond > 0) {
      const damages: Task = {
        run: (atMs) => {
          this.damage(atMs);
          this.sim.schedule(atMs + this.gapMs(1000 / this.sim.profile.damagesPerSecond), damages);
        },
      };
      this.sim.schedule(startMs + this.gapMs(1000 / this.sim.profile.damagesPerSecond), damages);
    }
  }

  /**
   * Takes `quantity` (≤ 100) units of a product for an order; returns the warehouse they ship from.
   * Emits the `sale` (and, when no warehouse has enough, an emergency `restock` just before it).
   */
  sell(product: number, quantity: number, atMs: number): number {
    const first = this.sim.rng.int(0, this.warehouses - 1);
    let warehouse = -1;
    for (let k = 0; k < this.warehouses; k++) {
      const w = (first + k) % this.warehouses;
      if (this.stockOf(product, w) >= quantity) {
        warehouse = w;
        break;
      }
    }
    if (warehouse < 0) {
      warehouse = first;
      const have = this.stockOf(product, warehouse);
      this.change(
        product,
        warehouse,
        Math.min(MAX_CHANGE, Math.max(quantity, this.target(product)) - have),
        'restock',
        atMs,
      );
    }
    this.change(product, warehouse, -quantity, 'sale', atMs);
    this.reorderIfLow(product, warehouse, atMs);
    return warehouse;
  }

  /** A customer sent `quantity` units back to the warehouse they came from. */
  takeBack(product: number, warehouse: number, quantity: number, atMs: number): void {
    this.change(product, warehouse, Math.min(MAX_CHANGE, quantity), 'return', atMs);
  }

  private damage(atMs: number): void {
    const { rng, universe } = this.sim;
    // A few tries to find stock to break; an empty shelf has nothing to damage.
    for (let attempt = 0; attempt < 4; attempt++) {
      const product = rng.int(0, universe.products.length - 1);
      const warehouse = rng.int(0, this.warehouses - 1);
      const have = this.stockOf(product, warehouse);
      if (have < 1) continue;
      this.change(product, warehouse, -Math.min(have, rng.int(1, 3)), 'damage', atMs);
      this.reorderIfLow(product, warehouse, atMs);
      return;
    }
  }

  private reorderIfLow(product: number, warehouse: number, atMs: number): void {
    const cell = product * this.warehouses + warehouse;
    if (this.reorderPending[cell] || this.stock[cell]! > this.sim.universe.products[product]!.reorder_point)
      return;
    this.reorderPending[cell] = 1;
    const [min, max] = this.sim.profile.restockLeadSeconds;
    const arrival: Task = {
      run: (at) => {
        this.reorderPending[cell] = 0;
        const amount = Math.min(MAX_CHANGE, this.target(product) - this.stock[cell]!);
        if (amount > 0) this.change(product, warehouse, amount, 'restock', at);
        this.reorderIfLow(product, warehouse, at);
      },
    };
    this.sim.schedule(atMs + Math.round(this.sim.rng.between(min, max) * 1000), arrival);
  }

  private target(product: number): number {
    return Math.ceil(
      this.sim.universe.products[product]!.reorder_point * this.sim.profile.restockTargetFactor,
    );
  }

  private change(
    product: number,
    warehouse: number,
    quantity: number,
    reason: InventoryEvent['reason'],
    atMs: number,
  ): void {
    this.stock[product * this.warehouses + warehouse]! += quantity;
    const { index } = this.sim;
    // The InventoryEvent's fields in schema order; ids are pre-quoted JSON, the rest needs no escaping.
    this.sim.emit(
      'inventory',
      `{"event_type":"inventory","inventory_id":"${this.sim.rng.uuid()}","product_id":${index.productIdJson[product]},"warehouse_id":${index.warehouseIdJson[warehouse]},"quantity_change":${quantity},"reason":"${reason}","timestamp":"${this.sim.timestamp(atMs)}"}`,
    );
  }

  private gapMs(meanMs: number): number {
    return Math.max(1, Math.round(this.sim.rng.exponential(meanMs)));
  }
}
