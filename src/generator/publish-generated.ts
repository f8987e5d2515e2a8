import type { MessageBus } from '../bus/message-bus.js';
import {
  runGeneration,
  type GenerationPlan,
  type GenerationResult,
  type GenerationRunOptions,
  type MessageSource,
} from './generation-run.js';

const PRODUCER = Object.freeze({ producer: 'shopstream-generator' });

/**
 * Publishes generated traffic to a topic: `{count}` messages as fast as the bus takes them, or
 * `{rate, durationMs}` paced like live traffic. Batches hold up to 1,000 messages (at least 500 per
 * publish call whenever that many are due) and up to 4 publish calls run at once. Resolves with the
 * published counts by event type and invalid.
 *
 * @example
 * const result = await publishGenerated(bus, 'backend-events-topic', generator, { count: 10_000 });
 * result.byType.order; // 1,234
 */
export function publishGenerated(
  bus: MessageBus,
  topic: string,
  generator: MessageSource,
  plan: GenerationPlan,
  options: GenerationRunOptions = {},
): Promise<GenerationResult> {
  return runGeneration(
    generator,
    (batch) =>
      bus.publish(
        topic,
        // Every message names its producer: useful in the DLQ, and it lets Pub/Sub take the
        // deliberately empty payloads (it refuses a message with neither data nor attributes).
        batch.map((message) => ({ data: message.data, attributes: PRODUCER })),
      ),
    plan,
    options,
  );
}
