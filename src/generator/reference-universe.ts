import { Faker, base, en } from '@faker-js/faker';
import type {
  ReferenceCustomer,
  ReferenceData,
  ReferenceProduct,
  ReferenceWarehouse,
} from '../warehouse/reference-data.js';
import { PRODUCT_CATEGORIES } from './product-categories.js';

/** Options of {@link buildReferenceUniverse}. */
export interface ReferenceUniverseOptions {
  /** The same seed always gives the same universe (with the same installed faker version). */
  readonly seed: number;
  /** Default 2,000. */
  readonly customers?: number;
  /** Default 300. */
  readonly products?: number;
  /** Default 6. */
  readonly warehouses?: number;
}

export const DEFAULT_UNIVERSE_SIZES = { customers: 2_000, products: 300, warehouses: 6 } as const;

/**
 * The markets the shop sells to, with their share of customers. Faker's countries would spread a
 * shop's customers evenly over 250 countries, which no real shop has.
 */
const MARKETS: readonly (readonly [string, number])[] = [
  ['United States', 30],
  ['United Kingdom', 14],
  ['Germany', 13],
  ['France', 9],
  ['Netherlands', 7],
  ['Canada', 7],
  ['Spain', 6],
  ['Italy', 6],
  ['Australia', 4],
  ['Sweden', 4],
];

const PLATFORMS: readonly (readonly [ReferenceCustomer['preferred_platform'], number])[] = [
  ['web', 50],
  ['mobile', 40],
  ['tablet', 10],
];

const WAREHOUSE_KINDS = ['Fulfillment Center', 'Distribution Center', 'Logistics Hub'] as const;

/**
 * Builds the seeded reference universe: customers (who are also the users of user_activity),
 * products in categories with realistic prices, and warehouses. The warehouse's ref_ tables are
 * loaded from exactly this, and the traffic generator draws every id from it, so every id in an
 * event joins to a reference row.
 *
 * @example
 * const universe = buildReferenceUniverse({ seed: 42 });
 * universe.products[0]; // { product_id: '…', product_name: 'Sleek Cotton Hoodie', category: 'Clothing', price: 39.99, … }
 */
export function buildReferenceUniverse(options: ReferenceUniverseOptions): ReferenceData {
  const sizes = { ...DEFAULT_UNIVERSE_SIZES, ...definedOnly(options) };
  for (const key of ['customers', 'products', 'warehouses'] as const)
    if (!Number.isSafeInteger(sizes[key]) || sizes[key] < 1)
      throw new RangeError(`reference universe: ${key} must be a whole number ≥ 1, got ${sizes[key]}`);
  if (!Number.isSafeInteger(options.seed))
    throw new RangeError(`reference universe: seed must be a whole number, got ${options.seed}`);

  // One instance per universe (never the global faker), seeded once: each part below draws in a
  // fixed order, so the whole universe is a function of the seed.
  const faker = new Faker({ locale: [en, base] });
  faker.seed(options.seed);

  const warehouses = Array.from({ length: sizes.warehouses }, (): ReferenceWarehouse => {
    const city = faker.location.city();
    return {
      warehouse_id: faker.string.uuid(),
      warehouse_name: `${city} ${faker.helpers.arrayElement(WAREHOUSE_KINDS)}`,
      city,
      country: weighted(faker, MARKETS),
    };
  });

  const productNames = new Set<string>();
  const categoryWeights = PRODUCT_CATEGORIES.map((c) => [c, c.weight] as const);
  const products = Array.from({ length: sizes.products }, (): ReferenceProduct => {
    const category = weighted(faker, categoryWeights);
    let name = `${faker.commerce.productAdjective()} ${faker.commerce.productMaterial()} ${faker.helpers.arrayElement(category.nouns)}`;
    // Names are shown in orders and dashboards; keep them unique so a name identifies a product.
    while (productNames.has(name)) name = `${name} ${faker.string.alpha({ length: 1, casing: 'upper' })}`;
    productNames.add(name);
    return {
      product_id: faker.string.uuid(),
      product_name: name,
      category: category.name,
      price: shelfPrice(faker.number.float({ min: 0, max: 1 }), category.minPrice, category.maxPrice),
      reorder_point: faker.number.int({ min: category.reorderPoint[0], max: category.reorderPoint[1] }),
    };
  });

  const emails = new Set<string>();
  const customers = Array.from({ length: sizes.customers }, (): ReferenceCustomer => {
    const first_name = faker.person.firstName();
    const last_name = faker.person.lastName();
    let email = faker.internet.email({ firstName: first_name, lastName: last_name }).toLowerCase();
    for (let n = 2; emails.has(email); n++) email = email.replace(/^([^@]*?)\d*@/, `$1${n}@`);
    emails.add(email);
    return {
      customer_id: faker.string.uuid(),
      first_name,
      last_name,
      email,
      street: faker.location.streetAddress(),
      city: faker.location.city(),
      country: weighted(faker, MARKETS),
      preferred_platform: weighted(faker, PLATFORMS),
      // Fixed bounds, not "now": the universe must not depend on when it is built.
      signup_date: faker.date
        .between({ from: '2019-01-01T00:00:00Z', to: '2024-12-31T00:00:00Z' })
        .toISOString()
        .slice(0, 10),
    };
  });

  return { customers, products, warehouses };
}

function definedOnly(options: ReferenceUniverseOptions): Partial<typeof DEFAULT_UNIVERSE_SIZES> {
  const out: Record<string, number> = {};
  for (const key of ['customers', 'products', 'warehouses'] as const)
    if (options[key] !== undefined) out[key] = options[key];
  return out;
}

function weighted<T>(faker: Faker, choices: readonly (readonly [T, number])[]): T {
  return faker.helpers.weightedArrayElement(choices.map(([value, weight]) => ({ value, weight })));
}

/**
 * A shelf price between min and max: log-uniform (cheap items are more common than dear ones), and
 * ending the way shops price: 4.49 and 9.99 below 20, 49.99 or 129.00 above. Cents are whole.
 */
function shelfPrice(u: number, min: number, max: number): number {
  const raw = min * Math.pow(max / min, u);
  const whole = Math.max(1, Math.floor(raw));
  const cents = raw < 20 ? (raw - whole < 0.5 ? 49 : 99) : whole % 10 === 0 ? 0 : 99;
  return (whole * 100 + cents) / 100;
}
