import type { ReferenceData } from '../warehouse/reference-data.js';
import { randomIpAddress } from './ip-address.js';
import { RandomSource } from './random-source.js';

/**
 * Lookups over the reference universe that the hot loop needs, computed once: products by category,
 * and per customer a favourite category and a home IP address (most sessions come from home).
 */
export class UniverseIndex {
  /** Product indexes per category, categories in order of first appearance. */
  readonly productsByCategory: readonly (readonly number[])[];
  /** Per customer: an index into {@link productsByCategory}. */
  readonly favouriteCategory: Uint16Array;
  /** Per customer: the address their home sessions come from. */
  readonly homeIp: readonly string[];
  /**
   * JSON fragments, serialized once, that events are assembled from: ids as string literals, a
   * customer's shipping address, and an order line around its quantity
   * (`{"product_id":…,"product_name":…,"quantity":` + n + `,"price":…}`).
   */
  readonly productIdJson: readonly string[];
  readonly warehouseIdJson: readonly string[];
  readonly customerIdJson: readonly string[];
  readonly addressJson: readonly string[];
  readonly orderLineHead: readonly string[];
  readonly orderLineTail: readonly string[];

  constructor(universe: ReferenceData, seed: number) {
    const byName = new Map<string, number[]>();
    universe.products.forEach((product, i) => {
      let list = byName.get(product.category);
      if (!list) byName.set(product.category, (list = []));
      list.push(i);
    });
    this.productsByCategory = [...byName.values()];
    // A stream of its own, so the index never depends on how much traffic was drawn before.
    const rng = RandomSource.derive(seed, 0x1d3);
    const n = universe.customers.length;
    this.favouriteCategory = new Uint16Array(n);
    const homeIp: string[] = [];
    for (let i = 0; i < n; i++) {
      this.favouriteCategory[i] = rng.int(0, this.productsByCategory.length - 1);
      homeIp.push(randomIpAddress(rng));
    }
    this.homeIp = homeIp;
    this.productIdJson = universe.products.map((p) => JSON.stringify(p.product_id));
    this.warehouseIdJson = universe.warehouses.map((w) => JSON.stringify(w.warehouse_id));
    this.customerIdJson = universe.customers.map((c) => JSON.stringify(c.customer_id));
    this.addressJson = universe.customers.map((c) =>
      JSON.stringify({ street: c.street, city: c.city, country: c.country }),
    );
    // Same bytes as JSON.stringify of an OrderItem: keys in schema order, numbers as String(n).
    this.orderLineHead = universe.products.map(
      (p) =>
        `{"product_id":${JSON.stringify(p.product_id)},"product_name":${JSON.stringify(p.product_name)},"quantity":`,
    );
    this.orderLineTail = universe.products.map((p) => `,"price":${JSON.stringify(p.price)}}`);
  }
}
