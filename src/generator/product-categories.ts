/** A product category of the reference universe: what it sells and at what prices. */
export interface ProductCategory {
  readonly name: string;
  /** Share of the catalogue in this category. */
  readonly weight: number;
  /** Typical list prices, in the shop currency. Prices are drawn log-uniformly in between. */
  readonly minPrice: number;
  readonly maxPrice: number;
  /** What the products are called; names combine a faker adjective or brand with one of these. */
  readonly nouns: readonly string[];
  /** Stock at or below which a warehouse reorders; cheap, fast-moving goods have higher points. */
  readonly reorderPoint: readonly [number, number];
}

/**
 * The shop's catalogue structure. Prices differ by an order of magnitude between categories (a
 * laptop is not priced like a T-shirt), so revenue per category looks like a real shop's.
 */
export const PRODUCT_CATEGORIES: readonly ProductCategory[] = [
  {
    name: 'Electronics',
    weight: 14,
    minPrice: 19,
    maxPrice: 1899,
    nouns: ['Headphones', 'Laptop', 'Smartphone', 'Monitor', 'Smartwatch', 'Speaker', 'Camera', 'Tablet'],
    reorderPoint: [5, 15],
  },
  {
    name: 'Computer Accessories',
    weight: 10,
    minPrice: 7,
    maxPrice: 249,
    nouns: ['Keyboard', 'Mouse', 'USB-C Hub', 'Webcam', 'Laptop Stand', 'Charger', 'SSD', 'Cable'],
    reorderPoint: [10, 30],
  },
  {
    name: 'Clothing',
    weight: 16,
    minPrice: 9,
    maxPrice: 189,
    nouns: ['T-Shirt', 'Hoodie', 'Jeans', 'Jacket', 'Sweater', 'Dress', 'Shorts', 'Raincoat'],
    reorderPoint: [15, 40],
  },
  {
    name: 'Shoes',
    weight: 8,
    minPrice: 24,
    maxPrice: 229,
    nouns: ['Sneakers', 'Running Shoes', 'Boots', 'Sandals', 'Loafers', 'Slippers'],
    reorderPoint: [8, 25],
  },
  {
    name: 'Home & Kitchen',
    weight: 14,
    minPrice: 6,
    maxPrice: 499,
    nouns: ['Coffee Maker', 'Blender', 'Frying Pan', 'Knife Set', 'Kettle', 'Toaster', 'Mug Set', 'Lamp'],
    reorderPoint: [8, 30],
  },
  {
    name: 'Furniture',
    weight: 6,
    minPrice: 39,
    maxPrice: 1299,
    nouns: ['Chair', 'Desk', 'Bookshelf', 'Sofa', 'Table', 'Bed Frame', 'Wardrobe'],
    reorderPoint: [3, 10],
  },
  {
    name: 'Beauty',
    weight: 9,
    minPrice: 4,
    maxPrice: 89,
    nouns: ['Shampoo', 'Face Cream', 'Perfume', 'Lipstick', 'Sunscreen', 'Hair Dryer', 'Soap'],
    reorderPoint: [20, 40],
  },
  {
    name: 'Sports & Outdoors',
    weight: 9,
    minPrice: 9,
    maxPrice: 899,
    nouns: ['Yoga Mat', 'Bicycle', 'Tent', 'Backpack', 'Dumbbells', 'Water Bottle', 'Sleeping Bag'],
    reorderPoint: [5, 25],
  },
  {
    name: 'Toys',
    weight: 7,
    minPrice: 5,
    maxPrice: 149,
    nouns: ['Puzzle', 'Building Blocks', 'Board Game', 'Plush Bear', 'Toy Car', 'Doll', 'Kite'],
    reorderPoint: [10, 30],
  },
  {
    name: 'Books',
    weight: 7,
    minPrice: 6,
    maxPrice: 59,
    nouns: ['Cookbook', 'Novel', 'Travel Guide', 'Notebook', 'Biography', 'Atlas'],
    reorderPoint: [10, 35],
  },
];
