import { EVENT_TYPES, type EventType } from '../contract/event-types.js';
import type { ReferenceData } from '../warehouse/reference-data.js';
import type { GeneratedMessage } from './generated-message.js';
import { IsoTimeFormatter } from './iso-time-formatter.js';
import { WallClockStamp } from './wall-clock-stamp.js';
import { MessageSlab } from './message-slab.js';
import { INVALID_KINDS, type InvalidKind } from './invalid-messages.js';
import { RandomSource } from './random-source.js';
import { sampleEvent } from './sample-event.js';
import { SessionArrivals } from './session-arrivals.js';
import { StockKeeper } from './stock-keeper.js';
import type { StoryContext } from './story-context.js';
import { TaskQueue, type Task } from './task-queue.js';
import { compileTrafficProfile, timeScaledTrafficProfile, type TrafficProfile } from './traffic-profile.js';
import {
  DEFAULT_TRAFFIC_PROFILE_NAME,
  TRAFFIC_PROFILES,
  isTrafficProfileName,
  type TrafficProfileName,
} from './traffic-profiles.js';
import { UniverseIndex } from './universe-index.js';
import { sharedUserAgentPool, type UserAgentPool } from './user-agent-pool.js';

/**
 * Where event times come from. `simulated`: a clock that starts at `start` and advances with the
 * stories (sessions take minutes, deliveries hours), independent of how fast messages are made;
 * the same seed gives the same bytes. `wall`: every event carries the time it was generated, as
 * live traffic does (needed to measure end-to-end latency), with microseconds and strictly
 * increasing, so no two events share their bytes (and event_id).
 */
export type GeneratorClock = 'simulated' | 'wall';

/** The instant a seeded simulated run starts at unless told otherwise: fixed, so bytes are reproducible. */
export const DEFAULT_SEEDED_START = new Date('2025-01-01T00:00:00.000Z');

/** Options of a {@link TrafficGenerator}. */
export interface TrafficGeneratorOptions {
  /** Seeds the traffic (not the universe): the same seed, universe and options give identical bytes. */
  readonly seed: number;
  /** Every id in the traffic is drawn from here (see buildReferenceUniverse). */
  readonly universe: ReferenceData;
  /** Share of messages, in [0, 1], that are deliberately invalid. Default 0. */
  readonly invalidRatio?: number;
  /** Simulated time of the first story. Default {@link DEFAULT_SEEDED_START}. */
  readonly start?: Date;
  /** Default `simulated`. */
  readonly clock?: GeneratorClock;
  /**
   * How the shop behaves: a named profile, or a profile's fields (those left out come from the
   * default profile). Default {@link DEFAULT_TRAFFIC_PROFILE_NAME} (`demo`).
   */
  readonly profile?: TrafficProfileName | Partial<TrafficProfile>;
  /**
   * Live traffic only (`clock: 'wall'`): the simulated clock runs this many times faster against the
   * wall clock at the same event rate, so lifecycles of hours pass in minutes (see
   * timeScaledTrafficProfile). Event times still follow the wall clock. Default 1.
   */
  readonly timeScale?: number;
  /** Default: one pool per process from the `user-agents` package. */
  readonly userAgents?: UserAgentPool;
}

/**
 * Realistic, coherent e-commerce traffic: customers' sessions (login, views, cart, logout), orders
 * placed from the cart and moved through their lifecycle, and the stock movements they cause, all
 * interleaved in time order; optionally mixed with deliberately invalid messages.
 *
 * Invalid messages come from a random stream of their own and are made from stand-alone samples, so
 * the valid messages are the same whatever `invalidRatio` is: they are only interleaved differently.
 *
 * @example
 * const generator = new TrafficGenerator({ seed: 7, universe: buildReferenceUniverse({ seed: 42 }) });
 * const first = generator.next(); // { data: <Buffer {"event_type":"user_activity",…}>, eventType: 'user_activity' }
 */
export class TrafficGenerator {
  /** The profile the stories run with (time-scaled when `timeScale` is not 1). */
  readonly profile: TrafficProfile;
  private readonly queue = new TaskQueue();
  private readonly ready: GeneratedMessage[] = [];
  private readyHead = 0;
  private readonly invalidRatio: number;
  private readonly invalidRng: RandomSource;
  private readonly wall: boolean;
  private readonly wallClock = new WallClockStamp();
  private readonly universe: ReferenceData;
  private readonly userAgents: UserAgentPool;
  private readonly kindsByType: Readonly<Record<EventType, readonly InvalidKind[]>>;
  private nowMs: number;

  constructor(options: TrafficGeneratorOptions) {
    const { seed, universe } = options;
    if (!Number.isSafeInteger(seed))
      throw new RangeError(`traffic generator: seed must be a whole number, got ${seed}`);
    const invalidRatio = options.invalidRatio ?? 0;
    if (!(invalidRatio >= 0 && invalidRatio <= 1))
      throw new RangeError(`traffic generator: invalidRatio must be in [0, 1], got ${invalidRatio}`);
    const start = (options.start ?? DEFAULT_SEEDED_START).getTime();
    if (Number.isNaN(start)) throw new RangeError('traffic generator: start is not a valid date');
    if (universe.customers.length === 0 || universe.products.length === 0 || universe.warehouses.length === 0)
      throw new RangeError('traffic generator: the universe needs customers, products and warehouses');

    this.wall = (options.clock ?? 'simulated') === 'wall';
    const timeScale = options.timeScale ?? 1;
    if (timeScale !== 1 && !this.wall)
      throw new RangeError(
        `traffic generator: timeScale applies to live traffic (clock 'wall'); with the simulated clock, choose a profile with shorter delays`,
      );
    this.profile = timeScaledTrafficProfile(profileOf(options.profile), timeScale);
    this.invalidRatio = invalidRatio;
    this.invalidRng = RandomSource.derive(seed, 0xbad);
    this.universe = universe;
    this.userAgents = options.userAgents ?? sharedUserAgentPool();
    this.kindsByType = Object.fromEntries(
      EVENT_TYPES.map((type) => [type, INVALID_KINDS.filter((kind) => kind.types.includes(type))]),
    ) as Record<EventType, InvalidKind[]>;
    this.nowMs = start;

    const ready = this.ready;
    const iso = new IsoTimeFormatter();
    const slab = new MessageSlab();
    const sim = {
      rng: RandomSource.derive(seed, 0x5707),
      universe,
      index: new UniverseIndex(universe, seed),
      profile: this.profile,
      userAgents: this.userAgents,
      schedule: (atMs: number, task: Task) => this.queue.schedule(atMs, task),
      timestamp: this.wall ? () => this.wallClock.next() : (atMs: number) => iso.format(atMs),
      emit: (type: EventType, json: string) => ready.push({ data: slab.encode(json), eventType: type }),
    };
    const ctx: StoryContext = { ...sim, stock: new StockKeeper(sim) };
    ctx.stock.start(start);
    this.queue.schedule(start, new SessionArrivals(ctx));
  }

  /** Simulated time of the latest story step, in ms since the epoch. */
  get simulatedTimeMs(): number {
    return this.nowMs;
  }

  /** The next message. Never runs out. */
  next(): GeneratedMessage {
    if (this.invalidRatio > 0 && this.invalidRng.next() < this.invalidRatio) return this.invalid();
    while (this.readyHead >= this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
      const entry = this.queue.pop()!; // never empty: arrivals reschedule themselves
      this.nowMs = entry.atMs;
      entry.task.run(entry.atMs);
    }
    const message = this.ready[this.readyHead]!;
    // Free the slot so a long-lived generator does not pin delivered buffers.
    this.ready[this.readyHead++] = undefined as unknown as GeneratedMessage;
    return message;
  }

  /** The next `count` messages. */
  take(count: number): GeneratedMessage[] {
    const out = new Array<GeneratedMessage>(count);
    for (let i = 0; i < count; i++) out[i] = this.next();
    return out;
  }

  private invalid(): GeneratedMessage {
    const rng = this.invalidRng;
    const type = rng.pick(EVENT_TYPES);
    const kind = rng.pick(this.kindsByType[type]);
    const time = this.wall ? this.wallClock.next() : new Date(this.nowMs).toISOString();
    const data = kind.make(sampleEvent(type, this.universe, this.userAgents, rng, time), rng);
    return { data, eventType: null, invalidKind: kind.name, expectedCode: kind.code };
  }
}

function profileOf(option: TrafficGeneratorOptions['profile']): TrafficProfile {
  if (typeof option === 'string') {
    if (!isTrafficProfileName(option))
      throw new RangeError(`traffic generator: no profile named ${JSON.stringify(option)}`);
    return TRAFFIC_PROFILES[option];
  }
  return compileTrafficProfile(option ?? {}, TRAFFIC_PROFILES[DEFAULT_TRAFFIC_PROFILE_NAME]);
}
