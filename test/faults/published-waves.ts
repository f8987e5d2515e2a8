import type { MessageBus } from '../../src/bus/message-bus.js';
import { EVENT_TYPES } from '../../src/contract/event-types.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';

/**
 * Publishes generated traffic in waves (each wave its own seed, so no two waves repeat an event) and
 * keeps one {@link PublishedMix} for all of them, for tests that publish before, during and after a
 * fault.
 */
export class PublishedWaves {
  private readonly waves: PublishedMix[] = [];

  constructor(
    private readonly bus: MessageBus,
    private readonly topic: string,
  ) {}

  /** Publishes one wave of `count` messages (5% invalid); resolves once the bus has them. */
  async publish(count: number): Promise<PublishedMix> {
    const wave = await publishMix(this.bus, this.topic, {
      count,
      invalidRatio: 0.05,
      seed: 1_000 + this.waves.length,
    });
    this.waves.push(wave);
    return wave;
  }

  /** Messages published so far. */
  get total(): number {
    return this.waves.reduce((sum, wave) => sum + wave.total, 0);
  }

  /** Every wave as one mix. */
  get mix(): PublishedMix {
    const valid = new Map(this.waves.flatMap((wave) => [...wave.valid]));
    const invalid = new Map(this.waves.flatMap((wave) => [...wave.invalid]));
    const byType = { order: 0, inventory: 0, user_activity: 0 };
    for (const type of valid.values()) byType[type]++;
    const messagesByType = { order: 0, inventory: 0, user_activity: 0 };
    for (const wave of this.waves)
      for (const type of EVENT_TYPES) messagesByType[type] += wave.messagesByType[type];
    return {
      valid,
      invalid,
      byType,
      messagesByType,
      invalidMessages: this.waves.reduce((sum, wave) => sum + wave.invalidMessages, 0),
      total: this.total,
    };
  }
}
