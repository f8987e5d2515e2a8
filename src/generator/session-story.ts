import type { UserActivityEvent } from '../contract/event-types.js';
import { randomIpAddress } from './ip-address.js';
import { OrderStory } from './order-story.js';
import type { StoryContext } from './story-context.js';
import type { Task } from './task-queue.js';
import type { Platform } from './user-agent-pool.js';

const PLATFORMS: readonly Platform[] = ['web', 'mobile', 'tablet'];
/** A session idles out after this long without an action; gaps are capped there. */
const MAX_GAP_MS = 15 * 60 * 1000;

/**
 * One visit of one customer: login, product views, add/remove to cart, maybe a checkout that places
 * an order with exactly the cart's products, then logout. The whole visit keeps one platform, one
 * User-Agent, one IP address and one session_id, as a real session does.
 */
export class SessionStory implements Task {
  private readonly platform: Platform;
  /** The UserActivityEvent's JSON around activity_type and timestamp, serialized once per session. */
  private readonly head: string;
  private readonly middle: string;
  private readonly tail: string;
  private readonly cart: number[] = [];
  private actionsLeft: number;
  private lastViewed = -1;
  private addNext = false;
  private phase: 'login' | 'browsing' | 'checkout' | 'logout' = 'login';

  constructor(
    private readonly ctx: StoryContext,
    private readonly customer: number,
  ) {
    const { rng, universe, index, profile } = ctx;
    const preferred = universe.customers[customer]!.preferred_platform;
    this.platform = rng.chance(0.8) ? preferred : rng.pick(PLATFORMS);
    const userAgent = ctx.userAgents.pick(this.platform, rng);
    // Desktop sessions mostly come from home; phones roam between networks.
    const ip = rng.chance(this.platform === 'mobile' ? 0.35 : 0.8)
      ? index.homeIp[customer]!
      : randomIpAddress(rng);
    const sessionId = rng.uuid();
    // Fields in schema order: event_type, user_id, activity_type, ip_address, user_agent, timestamp, metadata.
    const userId = JSON.stringify(universe.customers[customer]!.customer_id);
    this.head = `{"event_type":"user_activity","user_id":${userId},"activity_type":"`;
    this.middle = `","ip_address":${JSON.stringify(ip)},"user_agent":${JSON.stringify(userAgent)},"timestamp":"`;
    this.tail = `","metadata":{"session_id":"${sessionId}","platform":"${this.platform}"}}`;
    this.actionsLeft = Math.min(40, Math.max(1, Math.round(rng.exponential(profile.meanActionsPerSession))));
  }

  run(atMs: number): void {
    switch (this.phase) {
      case 'login':
        this.emit('login', atMs);
        this.phase = 'browsing';
        return this.next(atMs, 1);
      case 'browsing':
        this.act(atMs);
        if (--this.actionsLeft <= 0 && !this.addNext)
          this.phase =
            this.cart.length > 0 && this.ctx.rng.chance(this.ctx.profile.checkoutProbability)
              ? 'checkout'
              : 'logout';
        return this.next(atMs, this.addNext ? 0.5 : 1);
      case 'checkout':
        new OrderStory(this.ctx, this.customer, this.cart, atMs);
        this.phase = 'logout';
        return this.next(atMs, 0.5);
      case 'logout':
        this.emit('logout', atMs);
    }
  }

  private act(atMs: number): void {
    const { rng, profile } = this.ctx;
    if (this.addNext) {
      this.addNext = false;
      this.cart.push(this.lastViewed);
      return this.emit('add_to_cart', atMs);
    }
    if (this.cart.length > 0 && rng.chance(profile.removeFromCartProbability)) {
      this.cart.splice(rng.int(0, this.cart.length - 1), 1);
      return this.emit('remove_from_cart', atMs);
    }
    this.lastViewed = this.pickProduct();
    this.addNext = !this.cart.includes(this.lastViewed) && rng.chance(profile.addToCartProbability);
    this.emit('view_product', atMs);
  }

  private pickProduct(): number {
    const { rng, index, profile, universe } = this.ctx;
    if (rng.chance(profile.favouriteCategoryShare)) {
      const products = index.productsByCategory[index.favouriteCategory[this.customer]!]!;
      return products[rng.skewedIndex(products.length, 1.6)]!;
    }
    return rng.skewedIndex(universe.products.length, 1.6);
  }

  private next(atMs: number, gapFactor: number): void {
    const gap = this.ctx.rng.exponential(this.ctx.profile.meanActionGapSeconds * 1000 * gapFactor);
    this.ctx.schedule(atMs + Math.min(MAX_GAP_MS, Math.max(1000, Math.round(gap))), this);
  }

  private emit(activity: UserActivityEvent['activity_type'], atMs: number): void {
    this.ctx.emit(
      'user_activity',
      `${this.head}${activity}${this.middle}${this.ctx.timestamp(atMs)}${this.tail}`,
    );
  }
}
