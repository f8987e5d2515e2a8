import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { SubscriptionConfig } from '../message-bus.js';

/** Subscription settings with times in ms, validated (see compileSubscriptionConfig). */
export interface CompiledSubscriptionConfig {
  readonly name: string;
  readonly topic: string;
  readonly ackDeadlineMs: number;
  readonly retentionMs: number;
  readonly deadLetterTopic: string | null;
  readonly maxDeliveryAttempts: number | null;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** Validates the port's subscription settings and applies the defaults. */
export function compileSubscriptionConfig(config: SubscriptionConfig): CompiledSubscriptionConfig {
  const seconds = (value: number | undefined, fallback: number, what: string, min: number) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < min)
      throw new ShopstreamError(
        'SHOP_E_CONFIG_INVALID',
        `subscription ${config.name}: ${what} must be at least ${min} s`,
        {
          context: { subscription: config.name, [what]: value },
        },
      );
    return Math.round(v * 1000);
  };
  const dl = config.deadLetter;
  if (dl && (!Number.isInteger(dl.maxDeliveryAttempts) || dl.maxDeliveryAttempts < 1))
    throw new ShopstreamError(
      'SHOP_E_CONFIG_INVALID',
      `subscription ${config.name}: deadLetter.maxDeliveryAttempts must be a whole number ≥ 1`,
      { context: { subscription: config.name, maxDeliveryAttempts: dl.maxDeliveryAttempts } },
    );
  const minBackoffMs = seconds(
    config.retryPolicy?.minimumBackoffSeconds,
    0,
    'retryPolicy.minimumBackoffSeconds',
    0,
  );
  return Object.freeze({
    name: config.name,
    topic: config.topic,
    ackDeadlineMs: seconds(config.ackDeadlineSeconds, 60, 'ackDeadlineSeconds', 0.1),
    retentionMs: seconds(config.messageRetentionSeconds, 7 * 86_400, 'messageRetentionSeconds', 1),
    deadLetterTopic: dl?.topic ?? null,
    maxDeliveryAttempts: dl?.maxDeliveryAttempts ?? null,
    minBackoffMs,
    maxBackoffMs: Math.max(
      minBackoffMs,
      seconds(config.retryPolicy?.maximumBackoffSeconds, 600, 'retryPolicy.maximumBackoffSeconds', 0),
    ),
  });
}
