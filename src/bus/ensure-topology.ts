import type { Config } from '../config/settings.js';
import type { MessageBus } from './message-bus.js';

/** The settings {@link ensureTopology} reads: resource names, deadline and dead-letter limit. */
export type TopologyConfig = Pick<
  Config,
  | 'topic'
  | 'subscription'
  | 'historySubscription'
  | 'deadLetterTopic'
  | 'deadLetterSubscription'
  | 'ackDeadlineSeconds'
  | 'maxDeliveryAttempts'
  | 'archive.maxDurationMs'
>;

/**
 * The history subscription's ack deadline: the archiver holds a message until its file closes, so the
 * lease must outlast the file's max duration, or messages would be redelivered and archived twice (a
 * Cloud Storage subscription has the same rule). Pub/Sub allows at most 600 s.
 */
export function historyAckDeadlineSeconds(
  config: Pick<TopologyConfig, 'ackDeadlineSeconds' | 'archive.maxDurationMs'>,
): number {
  return Math.min(
    600,
    Math.max(config.ackDeadlineSeconds, Math.ceil(config['archive.maxDurationMs'] / 1000) + 10),
  );
}

/**
 * Creates, idempotently, the topology the pipeline runs on:
 *
 * ```
 * topic ──┬─▶ subscription          (pipeline; dead letters → deadLetterTopic after maxDeliveryAttempts)
 *         └─▶ historySubscription   (history archive)
 * deadLetterTopic ──▶ deadLetterSubscription   (so dead letters can be inspected)
 * ```
 *
 * Running it again changes nothing but settings that differ from the config (ack deadline,
 * dead-letter limit); messages already on the subscriptions stay.
 *
 * @example
 * const bus = await openBus(config.bus);
 * await ensureTopology(bus, config);
 */
export async function ensureTopology(bus: MessageBus, config: TopologyConfig): Promise<void> {
  // The dead-letter topic and its subscription come first: a subscription can only dead-letter to a
  // topic that exists, and a dead letter forwarded before its subscription existed would be lost.
  await bus.ensureTopic(config.deadLetterTopic);
  await bus.ensureSubscription({
    name: config.deadLetterSubscription,
    topic: config.deadLetterTopic,
    ackDeadlineSeconds: config.ackDeadlineSeconds,
  });
  await bus.ensureTopic(config.topic);
  await bus.ensureSubscription({
    name: config.subscription,
    topic: config.topic,
    ackDeadlineSeconds: config.ackDeadlineSeconds,
    deadLetter: { topic: config.deadLetterTopic, maxDeliveryAttempts: config.maxDeliveryAttempts },
  });
  await bus.ensureSubscription({
    name: config.historySubscription,
    topic: config.topic,
    ackDeadlineSeconds: historyAckDeadlineSeconds(config),
  });
}
