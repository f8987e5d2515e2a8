import type { MessageBus } from '../../src/bus/message-bus.js';
import { eventIdOf } from '../../src/contract/event-id.js';
import type { EventType } from '../../src/contract/event-types.js';
import type { ErrorCode } from '../../src/errors/error-codes.js';
import { buildReferenceUniverse } from '../../src/generator/reference-universe.js';
import { TrafficGenerator } from '../../src/generator/traffic-generator.js';

/** What was published, so a test can check every message's fate. */
export interface PublishedMix {
  readonly valid: Map<string, EventType>;
  readonly invalid: Map<string, ErrorCode>;
  /** Distinct events by type (identical bytes are one event, as in the views). */
  readonly byType: Record<EventType, number>;
  /** Messages by type, counting identical bytes each time (raw tables are at-least-once per message). */
  readonly messagesByType: Record<EventType, number>;
  readonly invalidMessages: number;
  readonly total: number;
}

/**
 * Publishes `count` generated messages (a share of them invalid) and remembers each one's event_id
 * with its type, or its expected DLQ code. Each message carries its index as attribute `n`.
 */
export async function publishMix(
  bus: MessageBus,
  topic: string,
  options: { count: number; invalidRatio?: number; seed?: number },
): Promise<PublishedMix> {
  const generator = new TrafficGenerator({
    seed: options.seed ?? 7,
    universe: buildReferenceUniverse({ seed: 42 }),
    invalidRatio: options.invalidRatio ?? 0.05,
    // Wall-clock times keep the events inside the contract's bounds whatever today's date is.
    clock: 'wall',
  });
  const mix = {
    valid: new Map<string, EventType>(),
    invalid: new Map<string, ErrorCode>(),
    byType: { order: 0, inventory: 0, user_activity: 0 },
    messagesByType: { order: 0, inventory: 0, user_activity: 0 },
    invalidMessages: 0,
    total: options.count,
  };
  let batch: { data: Buffer; attributes: Record<string, string> }[] = [];
  for (let n = 0; n < options.count; n++) {
    const message = generator.next();
    const id = eventIdOf(message.data);
    if (message.eventType) {
      // The same bytes twice are one event: count them once, as the views do.
      if (!mix.valid.has(id)) mix.byType[message.eventType]++;
      mix.messagesByType[message.eventType]++;
      mix.valid.set(id, message.eventType);
    } else {
      mix.invalidMessages++;
      mix.invalid.set(id, message.expectedCode!);
    }
    batch.push({ data: message.data, attributes: { n: String(n) } });
    if (batch.length === 1_000) {
      await bus.publish(topic, batch);
      batch = [];
    }
  }
  if (batch.length) await bus.publish(topic, batch);
  return mix;
}
