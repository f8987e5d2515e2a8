/**
 * The reference universe the generator draws from and the warehouse's ref_ tables hold, so every id
 * in an event joins to a reference row. The generator builds it from a seed (generator/reference-universe.ts).
 */
export interface ReferenceData {
  readonly customers: readonly ReferenceCustomer[];
  readonly products: readonly ReferenceProduct[];
  readonly warehouses: readonly ReferenceWarehouse[];
}

/** A customer; also the user of user_activity events (user_id = customer_id). */
export interface ReferenceCustomer {
  readonly customer_id: string;
  readonly first_name: string;
  readonly last_name: string;
  readonly email: string;
  readonly street: string;
  readonly city: string;
  readonly country: string;
  /** The platform they mostly use: web, mobile or tablet. */
  readonly preferred_platform: 'web' | 'mobile' | 'tablet';
  /** Sign-up date, YYYY-MM-DD. */
  readonly signup_date: string;
}

export interface ReferenceProduct {
  readonly product_id: string;
  readonly product_name: string;
  readonly category: string;
  /** List price, two decimals. */
  readonly price: number;
  /** Stock at or below which a product is low in a warehouse. */
  readonly reorder_point: number;
}

export interface ReferenceWarehouse {
  readonly warehouse_id: string;
  readonly warehouse_name: string;
  readonly city: string;
  readonly country: string;
}
