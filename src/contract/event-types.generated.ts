// Generated from schemas/*.schema.json by `npm run gen`. Do not edit: change the schema instead.

/**
 * An order was placed or moved along its lifecycle (pending → processing → shipped → delivered).
 */
export interface OrderEvent {
  /**
   * Always "order".
   */
  event_type: 'order';
  /**
   * The order; shared by every status event of one order.
   */
  order_id: string;
  /**
   * The customer who placed the order (ref_customers).
   */
  customer_id: string;
  /**
   * When this status took effect.
   */
  order_date: string;
  /**
   * Lifecycle status, in order: pending, processing, shipped, delivered.
   */
  status: 'pending' | 'processing' | 'shipped' | 'delivered';
  /**
   * The ordered products: 1 to 1,000.
   *
   * @minItems 1
   * @maxItems 1000
   */
  items: [OrderItem, ...OrderItem[]];
  shipping_address: ShippingAddress;
  /**
   * Σ quantity × price, rounded to cents; 0 to 10^18.
   */
  total_amount: number;
}
export interface OrderItem {
  /**
   * The product (ref_products).
   */
  product_id: string;
  /**
   * Product name at the time of the order.
   */
  product_name: string;
  /**
   * Units ordered, 1 to 1,000,000.
   */
  quantity: number;
  /**
   * Unit price in the shop currency, 0 to 10^12.
   */
  price: number;
}
export interface ShippingAddress {
  street: string;
  city: string;
  country: string;
}
/**
 * Stock of one product in one warehouse changed.
 */
export interface InventoryEvent {
  /**
   * Always "inventory".
   */
  event_type: 'inventory';
  /**
   * This stock movement.
   */
  inventory_id: string;
  /**
   * The product (ref_products).
   */
  product_id: string;
  /**
   * The warehouse (ref_warehouses).
   */
  warehouse_id: string;
  /**
   * Units added (positive) or removed (negative), in [-100, 100].
   */
  quantity_change: number;
  /**
   * Why the stock moved.
   */
  reason: 'restock' | 'sale' | 'return' | 'damage';
  /**
   * When the stock moved.
   */
  timestamp: string;
}
/**
 * A customer did something in a session on the web shop or app.
 */
export interface UserActivityEvent {
  /**
   * Always "user_activity".
   */
  event_type: 'user_activity';
  /**
   * The customer (ref_customers).
   */
  user_id: string;
  /**
   * What the user did.
   */
  activity_type: 'login' | 'logout' | 'view_product' | 'add_to_cart' | 'remove_from_cart';
  /**
   * Client IPv4 or IPv6 address.
   */
  ip_address: string;
  /**
   * The client's User-Agent header.
   */
  user_agent: string;
  /**
   * When it happened.
   */
  timestamp: string;
  metadata: ActivityMetadata;
}
export interface ActivityMetadata {
  /**
   * The session this activity belongs to.
   */
  session_id: string;
  /**
   * Where the session runs.
   */
  platform: 'web' | 'mobile' | 'tablet';
}
