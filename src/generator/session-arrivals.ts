import { SessionStory } from './session-story.js';
import type { StoryContext } from './story-context.js';
import type { Task } from './task-queue.js';

/**
 * Customers arriving at the shop: a Poisson process of new sessions at `profile.sessionsPerSecond`.
 * A few customers come far more often than most (a skewed pick), as in real shops.
 */
export class SessionArrivals implements Task {
  constructor(private readonly ctx: StoryContext) {}

  run(atMs: number): void {
    const { rng, universe, profile } = this.ctx;
    const customer = rng.skewedIndex(universe.customers.length, 1.5);
    this.ctx.schedule(atMs, new SessionStory(this.ctx, customer));
    this.ctx.schedule(
      atMs + Math.max(1, Math.round(rng.exponential(1000 / profile.sessionsPerSecond))),
      this,
    );
  }
}
