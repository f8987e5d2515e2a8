/**
 * How the simulated shop behaves: arrival rates, what people do in a session, and how long the
 * warehouse takes. Times are in seconds of simulated time. The named profiles (`demo`, `shop`) are in
 * traffic-profiles.ts; a profile file (load-traffic-profile.ts) overrides any of these fields.
 */
export interface TrafficProfile {
  /** New sessions per simulated second (a Poisson process). */
  readonly sessionsPerSecond: number;
  /** Mean pause between two actions of a session. */
  readonly meanActionGapSeconds: number;
  /** Mean number of actions between login and logout (geometric). */
  readonly meanActionsPerSession: number;
  /** After viewing a product, the chance it goes into the cart. */
  readonly addToCartProbability: number;
  /** Before an action, the chance a cart item is taken out again (when the cart is not empty). */
  readonly removeFromCartProbability: number;
  /** At the end of a session with a non-empty cart, the chance of checking out. */
  readonly checkoutProbability: number;
  /** Share of a session's product views in the customer's favourite category. */
  readonly favouriteCategoryShare: number;
  /** Delay ranges [min, max] between order statuses. */
  readonly processingAfterSeconds: readonly [number, number];
  readonly shippedAfterSeconds: readonly [number, number];
  readonly deliveredAfterSeconds: readonly [number, number];
  /** Chance that a delivered order sends one item back, and when. */
  readonly returnProbability: number;
  readonly returnAfterSeconds: readonly [number, number];
  /** Damaged-stock write-offs per simulated second, across all warehouses. */
  readonly damagesPerSecond: number;
  /** How long a reorder takes to arrive. */
  readonly restockLeadSeconds: readonly [number, number];
  /** A reorder refills stock to this multiple of the product's reorder point. */
  readonly restockTargetFactor: number;
}

/** One field of a {@link TrafficProfile}: what it means, and which values it takes. */
export interface TrafficProfileField {
  readonly description: string;
  /** What a valid value looks like, as error messages and the docs say it. */
  readonly expected: string;
  readonly isValid: (value: unknown) => boolean;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

const positive = (description: string): TrafficProfileField => ({
  description,
  expected: 'a number > 0',
  isValid: (v) => isNumber(v) && v > 0,
});
const atLeast = (min: number, description: string): TrafficProfileField => ({
  description,
  expected: `a number ≥ ${min}`,
  isValid: (v) => isNumber(v) && v >= min,
});
const probability = (description: string): TrafficProfileField => ({
  description,
  expected: 'a number from 0 to 1',
  isValid: (v) => isNumber(v) && v >= 0 && v <= 1,
});
const delay = (description: string): TrafficProfileField => ({
  description,
  expected: '[min, max] in seconds, with 0 < min ≤ max',
  isValid: (v) => {
    if (!Array.isArray(v) || v.length !== 2) return false;
    const [min, max] = v as unknown[];
    return isNumber(min) && isNumber(max) && min > 0 && max >= min;
  },
});

/**
 * Every profile field, in the order the docs list them. The one table behind validation (of code
 * and of profile files) and docs/traffic-profiles.md (a test checks that every field is documented).
 */
export const TRAFFIC_PROFILE_FIELDS: { readonly [K in keyof TrafficProfile]: TrafficProfileField } =
  Object.freeze({
    sessionsPerSecond: positive('New sessions per simulated second (a Poisson process).'),
    meanActionGapSeconds: positive('Mean pause between two actions of a session, in seconds.'),
    meanActionsPerSession: positive('Mean number of actions between login and logout.'),
    addToCartProbability: probability('After viewing a product, the chance it goes into the cart.'),
    removeFromCartProbability: probability(
      'Before an action, the chance a cart item is taken out again (when the cart is not empty).',
    ),
    checkoutProbability: probability(
      'At the end of a session with a non-empty cart, the chance of an order.',
    ),
    favouriteCategoryShare: probability(
      "Share of a session's product views in the customer's favourite category.",
    ),
    processingAfterSeconds: delay('How long after it was placed an order moves to processing.'),
    shippedAfterSeconds: delay('How long after processing it ships.'),
    deliveredAfterSeconds: delay('How long after shipping it is delivered.'),
    returnProbability: probability('The chance that a delivered order sends one item back.'),
    returnAfterSeconds: delay('How long after delivery the item comes back.'),
    damagesPerSecond: atLeast(0, 'Damaged-stock write-offs per simulated second, across all warehouses.'),
    restockLeadSeconds: delay('How long a reorder takes to arrive.'),
    restockTargetFactor: atLeast(
      2,
      "A reorder refills stock to this multiple of the product's reorder point.",
    ),
  });

/** The first field of `values` that is not a profile field or has a bad value; undefined when all are good. */
export function trafficProfileProblem(
  values: object,
): { readonly key: string; readonly problem: string } | undefined {
  for (const [key, value] of Object.entries(values)) {
    const field = Object.hasOwn(TRAFFIC_PROFILE_FIELDS, key)
      ? TRAFFIC_PROFILE_FIELDS[key as keyof TrafficProfile]
      : undefined;
    if (!field) return { key, problem: 'is not a profile field' };
    if (!field.isValid(value)) return { key, problem: `must be ${field.expected}` };
  }
  return undefined;
}

/**
 * Applies `overrides` to `base` and checks every value; throws RangeError naming the field.
 *
 * @example
 * compileTrafficProfile({ sessionsPerSecond: 0.5 }, SHOP_TRAFFIC_PROFILE); // a quiet shop
 */
export function compileTrafficProfile(
  overrides: Partial<TrafficProfile>,
  base: TrafficProfile,
): TrafficProfile {
  const profile = { ...base, ...overrides };
  const found = trafficProfileProblem(profile);
  if (found) {
    const value = (profile as Record<string, unknown>)[found.key];
    throw new RangeError(`traffic profile: ${found.key} ${found.problem}, got ${JSON.stringify(value)}`);
  }
  return Object.freeze(profile);
}

/**
 * The profile as it runs `timeScale` times faster against the wall clock at the same event rate:
 * sessions and damages arrive `timeScale` times less often per simulated second, so each event covers
 * `timeScale` times more simulated time, and every delay (a session's clicks, shipping, delivery,
 * returns, restocks) passes `timeScale` times sooner in events, and so in wall-clock time.
 */
export function timeScaledTrafficProfile(profile: TrafficProfile, timeScale: number): TrafficProfile {
  if (!(isNumber(timeScale) && timeScale > 0))
    throw new RangeError(`traffic profile: timeScale must be a number > 0, got ${timeScale}`);
  if (timeScale === 1) return profile;
  return Object.freeze({
    ...profile,
    sessionsPerSecond: profile.sessionsPerSecond / timeScale,
    damagesPerSecond: profile.damagesPerSecond / timeScale,
  });
}
