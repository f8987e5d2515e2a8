/**
 * How the simulated shop behaves: arrival rates, what people do in a session, and how long the
 * warehouse takes. Times are in seconds of simulated time. The defaults describe a busy shop (about
 * 1.7 million sessions a day, roughly 200 events per simulated second), so a minute of traffic fills
 * lake files of a realistic size; tests lower `sessionsPerSecond` to see whole order lifecycles in a
 * few thousand events.
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

export const DEFAULT_TRAFFIC_PROFILE: TrafficProfile = Object.freeze({
  sessionsPerSecond: 20,
  meanActionGapSeconds: 25,
  meanActionsPerSession: 6,
  addToCartProbability: 0.3,
  removeFromCartProbability: 0.08,
  checkoutProbability: 0.6,
  favouriteCategoryShare: 0.6,
  processingAfterSeconds: [60, 15 * 60],
  shippedAfterSeconds: [15 * 60, 2 * 3600],
  deliveredAfterSeconds: [3600, 4 * 3600],
  returnProbability: 0.05,
  returnAfterSeconds: [3600, 24 * 3600],
  damagesPerSecond: 0.2,
  restockLeadSeconds: [30 * 60, 4 * 3600],
  restockTargetFactor: 4,
} satisfies TrafficProfile);

/** Applies defaults to a partial profile and checks every value; throws RangeError naming the field. */
export function compileTrafficProfile(partial: Partial<TrafficProfile> = {}): TrafficProfile {
  const profile = { ...DEFAULT_TRAFFIC_PROFILE, ...partial };
  const positive = ['sessionsPerSecond', 'meanActionGapSeconds', 'meanActionsPerSession'] as const;
  for (const key of positive)
    if (!(profile[key] > 0)) throw new RangeError(`traffic profile: ${key} must be > 0, got ${profile[key]}`);
  const probabilities = [
    'addToCartProbability',
    'removeFromCartProbability',
    'checkoutProbability',
    'favouriteCategoryShare',
    'returnProbability',
  ] as const;
  for (const key of probabilities)
    if (!(profile[key] >= 0 && profile[key] <= 1))
      throw new RangeError(`traffic profile: ${key} must be in [0, 1], got ${profile[key]}`);
  const ranges = [
    'processingAfterSeconds',
    'shippedAfterSeconds',
    'deliveredAfterSeconds',
    'returnAfterSeconds',
    'restockLeadSeconds',
  ] as const;
  for (const key of ranges) {
    const [min, max] = profile[key];
    if (!(min > 0 && max >= min))
      throw new RangeError(
        `traffic profile: ${key} must be [min, max] with 0 < min ≤ max, got [${min}, ${max}]`,
      );
  }
  if (!(profile.damagesPerSecond >= 0))
    throw new RangeError(`traffic profile: damagesPerSecond must be ≥ 0, got ${profile.damagesPerSecond}`);
  if (!(profile.restockTargetFactor >= 2))
    throw new RangeError(
      `traffic profile: restockTargetFactor must be ≥ 2, got ${profile.restockTargetFactor}`,
    );
  return Object.freeze(profile);
}
