import type { TrafficProfile } from './traffic-profile.js';

/**
 * `shop`: a realistic busy shop, about 1.7 million sessions a day (roughly 200 events per simulated
 * second), so a minute of traffic fills lake files of a realistic size. Its clock is realistic too:
 * visits last minutes and orders ship after 15 min – 2 h, so a few thousand events hold sessions and
 * freshly placed orders, nearly all user activity; lifecycles need hours of simulated time.
 */
export const SHOP_TRAFFIC_PROFILE: TrafficProfile = Object.freeze({
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

/**
 * `demo`: a small, eager shop on a compressed clock, so every part of the story shows within a few
 * thousand events or a minute of `shopstream up`: clicks seconds apart, most carts checked out, and
 * orders processed, shipped and delivered within about a minute of simulated time, some sent back.
 * Every event type is a real share of the stream (each well over 10 %).
 */
export const DEMO_TRAFFIC_PROFILE: TrafficProfile = Object.freeze({
  sessionsPerSecond: 2,
  meanActionGapSeconds: 3,
  meanActionsPerSession: 4,
  addToCartProbability: 0.7,
  removeFromCartProbability: 0.05,
  checkoutProbability: 0.8,
  favouriteCategoryShare: 0.6,
  processingAfterSeconds: [2, 8],
  shippedAfterSeconds: [5, 15],
  deliveredAfterSeconds: [5, 20],
  returnProbability: 0.12,
  returnAfterSeconds: [10, 60],
  damagesPerSecond: 0.5,
  restockLeadSeconds: [30, 300],
  restockTargetFactor: 2.5,
} satisfies TrafficProfile);

/** The named profiles, selectable by `--profile <name>` and the `generator.profile` setting. */
export const TRAFFIC_PROFILES = Object.freeze({ demo: DEMO_TRAFFIC_PROFILE, shop: SHOP_TRAFFIC_PROFILE });

export type TrafficProfileName = keyof typeof TRAFFIC_PROFILES;

export const TRAFFIC_PROFILE_NAMES = Object.keys(TRAFFIC_PROFILES) as readonly TrafficProfileName[];

/** The profile every generator uses unless told otherwise. */
export const DEFAULT_TRAFFIC_PROFILE_NAME: TrafficProfileName = 'demo';

/** True when `name` is one of the named profiles. */
export function isTrafficProfileName(name: string): name is TrafficProfileName {
  return Object.hasOwn(TRAFFIC_PROFILES, name);
}

/** True when `spec` names a profile file rather than a named profile. */
export function isTrafficProfileFile(spec: string): boolean {
  return !isTrafficProfileName(spec) && /\.json$/i.test(spec);
}

/** What `--profile` and `generator.profile` take, for messages and help texts. */
export const TRAFFIC_PROFILE_CHOICES = `${TRAFFIC_PROFILE_NAMES.join(', ')}, or a profile file (a path ending in .json)`;
