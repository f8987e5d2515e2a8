import type { EventType } from '../contract/event-types.js';
import type { ReferenceData } from '../warehouse/reference-data.js';
import type { RandomSource } from './random-source.js';
import type { StockKeeper } from './stock-keeper.js';
import type { Task } from './task-queue.js';
import type { TrafficProfile } from './traffic-profile.js';
import type { UniverseIndex } from './universe-index.js';
import type { UserAgentPool } from './user-agent-pool.js';

/**
 * What a story (a session, an order, the stock room) sees of the simulation: the universe, one
 * seeded random source shared in task order, the agenda, and where events go.
 */
export interface Simulation {
  readonly rng: RandomSource;
  readonly universe: ReferenceData;
  readonly index: UniverseIndex;
  readonly profile: TrafficProfile;
  readonly userAgents: UserAgentPool;
  /** Runs `task` at simulated time `atMs`. */
  schedule(atMs: number, task: Task): void;
  /** The event-time text for simulated instant `atMs` (or the wall clock, in wall-clock mode). */
  timestamp(atMs: number): string;
  /**
   * Publishes an event, given as its JSON text (stories assemble it from pre-serialized parts: the
   * hot loop's main cost would otherwise be JSON.stringify). It becomes the generator's next message.
   */
  emit(type: EventType, json: string): void;
}

/** A {@link Simulation} with the stock room, which sessions and orders move goods through. */
export interface StoryContext extends Simulation {
  readonly stock: StockKeeper;
}
