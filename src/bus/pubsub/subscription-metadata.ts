import type { SubscriptionMetadata, protos } from '@google-cloud/pubsub';
import type { SubscriptionConfig, SubscriptionInfo } from '../message-bus.js';

type SubscriptionProto = protos.google.pubsub.v1.ISubscription;

/** Port defaults (message-bus.ts): a 60 s lease and 7 days of retention. */
export const DEFAULT_ACK_DEADLINE_SECONDS = 60;
export const DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600;

/** `projects/<project>/topics/<name>`; a name that already is a full path is kept (another project). */
export function topicPath(projectId: string, name: string): string {
  return name.startsWith('projects/') ? name : `projects/${projectId}/topics/${name}`;
}

/** `projects/<project>/subscriptions/<name>`, unless `name` already is a full path. */
export function subscriptionPath(projectId: string, name: string): string {
  return name.startsWith('projects/') ? name : `projects/${projectId}/subscriptions/${name}`;
}

/** The short name of a resource of `projectId`; a resource of another project keeps its full path. */
export function shortName(projectId: string, path: string): string {
  const match = /^projects\/([^/]+)\/(?:topics|subscriptions)\/(.+)$/.exec(path);
  return match && match[1] === projectId ? match[2]! : path;
}

/**
 * The settings of a subscription, as Pub/Sub wants them to create or update it.
 *
 * Acked messages are retained (`retainAckedMessages`) because the port's `seek` replays them, and
 * Pub/Sub can only seek back over acked messages it kept. A missing dead-letter or retry policy is
 * sent as null so that an update removes one that exists. An expiration policy without a ttl means
 * "never expire": Pub/Sub otherwise deletes a subscription, backlog and all, after 31 days without
 * a consumer. It is set on creation only (see {@link subscriptionChanges}).
 */
export function toSubscriptionMetadata(projectId: string, config: SubscriptionConfig): SubscriptionMetadata {
  return {
    topic: topicPath(projectId, config.topic),
    ackDeadlineSeconds: config.ackDeadlineSeconds ?? DEFAULT_ACK_DEADLINE_SECONDS,
    retainAckedMessages: true,
    expirationPolicy: {},
    messageRetentionDuration: { seconds: config.messageRetentionSeconds ?? DEFAULT_RETENTION_SECONDS },
    deadLetterPolicy: config.deadLetter
      ? {
          deadLetterTopic: topicPath(projectId, config.deadLetter.topic),
          maxDeliveryAttempts: config.deadLetter.maxDeliveryAttempts,
        }
      : null,
    retryPolicy: config.retryPolicy
      ? {
          minimumBackoff: { seconds: config.retryPolicy.minimumBackoffSeconds },
          maximumBackoff: { seconds: config.retryPolicy.maximumBackoffSeconds },
        }
      : null,
  };
}

type UpdatableField =
  | 'ackDeadlineSeconds'
  | 'retainAckedMessages'
  | 'messageRetentionDuration'
  | 'deadLetterPolicy'
  | 'retryPolicy';

/**
 * The settings of `desired` (from {@link toSubscriptionMetadata}) that `existing` lacks, as a
 * partial update; empty when nothing changed, so a repeated setup makes no update call (and needs
 * no update permission). The expiration policy is left as it is: the emulator refuses to update it,
 * and a subscription someone gave an expiry keeps it.
 */
export function subscriptionChanges(
  existing: SubscriptionProto,
  desired: SubscriptionMetadata,
): SubscriptionMetadata {
  const same: Record<UpdatableField, (a: SubscriptionProto | SubscriptionMetadata) => unknown> = {
    ackDeadlineSeconds: (m) => m.ackDeadlineSeconds ?? 0,
    retainAckedMessages: (m) => m.retainAckedMessages ?? false,
    messageRetentionDuration: (m) => seconds(m.messageRetentionDuration),
    deadLetterPolicy: (m) =>
      m.deadLetterPolicy?.deadLetterTopic
        ? `${m.deadLetterPolicy.deadLetterTopic}|${m.deadLetterPolicy.maxDeliveryAttempts || 5}`
        : '',
    retryPolicy: (m) =>
      m.retryPolicy
        ? `${seconds(m.retryPolicy.minimumBackoff)}|${seconds(m.retryPolicy.maximumBackoff)}`
        : '',
  };
  const changes: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(same) as [UpdatableField, (typeof same)[UpdatableField]][]) {
    if (key(existing) !== key(desired)) changes[field] = desired[field];
  }
  return changes as SubscriptionMetadata;
}

function seconds(duration: protos.google.protobuf.IDuration | number | null | undefined): number {
  if (typeof duration === 'number') return duration;
  return Number(duration?.seconds ?? 0) + (duration?.nanos ?? 0) / 1e9;
}

/** What the port reports about a subscription. Pub/Sub tells no backlog without Cloud Monitoring. */
export function toSubscriptionInfo(projectId: string, metadata: SubscriptionProto): SubscriptionInfo {
  const deadLetter = metadata.deadLetterPolicy;
  return {
    name: shortName(projectId, metadata.name ?? ''),
    topic: shortName(projectId, metadata.topic ?? ''),
    ackDeadlineSeconds: metadata.ackDeadlineSeconds ?? DEFAULT_ACK_DEADLINE_SECONDS,
    ...(deadLetter?.deadLetterTopic
      ? {
          deadLetter: {
            topic: shortName(projectId, deadLetter.deadLetterTopic),
            // Pub/Sub reads 0 (unset) as its default of 5.
            maxDeliveryAttempts: deadLetter.maxDeliveryAttempts || 5,
          },
        }
      : {}),
    backlog: undefined,
  };
}
