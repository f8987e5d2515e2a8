import { describe, expect, it } from 'vitest';
import { PRODUCT_CATEGORIES } from './product-categories.js';
import { buildReferenceUniverse } from './reference-universe.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('buildReferenceUniverse', () => {
  const universe = buildReferenceUniverse({ seed: 42 });

  it('has the default sizes: 2,000 customers, 300 products, 6 warehouses', () => {
    expect(universe.customers).toHaveLength(2_000);
    expect(universe.products).toHaveLength(300);
    expect(universe.warehouses).toHaveLength(6);
  });

  it('is the same for the same seed and different for another', () => {
    expect(buildReferenceUniverse({ seed: 42 })).toEqual(universe);
    const other = buildReferenceUniverse({ seed: 43 });
    expect(other.customers[0]!.customer_id).not.toBe(universe.customers[0]!.customer_id);
    expect(other.products.map((p) => p.product_id)).not.toEqual(universe.products.map((p) => p.product_id));
  });

  it('takes custom sizes', () => {
    const small = buildReferenceUniverse({ seed: 1, customers: 3, products: 2, warehouses: 1 });
    expect([small.customers.length, small.products.length, small.warehouses.length]).toEqual([3, 2, 1]);
    expect(() => buildReferenceUniverse({ seed: 1, products: 0 })).toThrow(/products/);
    expect(() => buildReferenceUniverse({ seed: 1.5 })).toThrow(/seed/);
  });

  it('fills every customer field, with unique ids and emails', () => {
    for (const c of universe.customers) {
      expect(c.customer_id).toMatch(UUID);
      for (const field of ['first_name', 'last_name', 'street', 'city', 'country'] as const)
        expect(c[field].length, field).toBeGreaterThan(0);
      expect(c.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
      expect(['web', 'mobile', 'tablet']).toContain(c.preferred_platform);
      expect(c.signup_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(new Date(`${c.signup_date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(c.signup_date);
    }
    expect(new Set(universe.customers.map((c) => c.customer_id)).size).toBe(2_000);
    expect(new Set(universe.customers.map((c) => c.email)).size).toBe(2_000);
  });

  it('prices products in whole cents within their category range, with unique ids and names', () => {
    const categories = new Map(PRODUCT_CATEGORIES.map((c) => [c.name, c]));
    for (const p of universe.products) {
      expect(p.product_id).toMatch(UUID);
      const category = categories.get(p.category);
      expect(category, p.category).toBeDefined();
      expect(Math.round(p.price * 100) / 100).toBe(p.price);
      expect(p.price).toBeGreaterThanOrEqual(category!.minPrice * 0.95);
      expect(p.price).toBeLessThanOrEqual(category!.maxPrice + 1);
      expect(p.reorder_point).toBeGreaterThanOrEqual(category!.reorderPoint[0]);
      expect(p.reorder_point).toBeLessThanOrEqual(category!.reorderPoint[1]);
      expect(p.product_name.length).toBeGreaterThan(0);
    }
    expect(new Set(universe.products.map((p) => p.product_id)).size).toBe(300);
    expect(new Set(universe.products.map((p) => p.product_name)).size).toBe(300);
    // A realistic catalogue spans most categories and two orders of magnitude of price.
    expect(new Set(universe.products.map((p) => p.category)).size).toBeGreaterThanOrEqual(8);
    const prices = universe.products.map((p) => p.price);
    expect(Math.max(...prices) / Math.min(...prices)).toBeGreaterThan(100);
  });

  it('fills every warehouse field', () => {
    for (const w of universe.warehouses) {
      expect(w.warehouse_id).toMatch(UUID);
      expect(w.warehouse_name).toContain(w.city);
      expect(w.country.length).toBeGreaterThan(0);
    }
  });
});
