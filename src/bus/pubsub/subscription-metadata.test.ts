import { describe, expect, it } from 'vitest';
import {
  shortName,
  subscriptionChanges,
  toSubscriptionInfo,
  toSubscriptionMetadata,
  topicPath,
} from './subscription-metadata.js';

describe('subscription metadata', () => {
  it('builds full resource names, keeping names of other projects', () => {
    expect(topicPath('p', 't')).toBe('projects/p/topics/t');
    expect(topicPath('p', 'projects/q/topics/t')).toBe('projects/q/topics/t');
    expect(shortName('p', 'projects/p/topics/t')).toBe('t');
    expect(shortName('p', 'projects/q/topics/t')).toBe('projects/q/topics/t');
  });

  it('turns the port config into Pub/Sub settings, retaining acked messages for seek', () => {
    expect(
      toSubscriptionMetadata('p', {
        name: 's',
        topic: 't',
        ackDeadlineSeconds: 30,
        messageRetentionSeconds: 3600,
        deadLetter: { topic: 'dead', maxDeliveryAttempts: 5 },
        retryPolicy: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 10 },
      }),
    ).toEqual({
      topic: 'projects/p/topics/t',
      ackDeadlineSeconds: 30,
      retainAckedMessages: true,
      expirationPolicy: {},
      messageRetentionDuration: { seconds: 3600 },
      deadLetterPolicy: { deadLetterTopic: 'projects/p/topics/dead', maxDeliveryAttempts: 5 },
      retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 10 } },
    });
    // Port defaults: 60 s deadline, 7 days, no policies (sent as null so an update clears them).
    expect(toSubscriptionMetadata('p', { name: 's', topic: 't' })).toMatchObject({
      ackDeadlineSeconds: 60,
      messageRetentionDuration: { seconds: 604_800 },
      deadLetterPolicy: null,
      retryPolicy: null,
    });
  });

  it('updates only what differs from the existing subscription', () => {
    const desired = toSubscriptionMetadata('p', {
      name: 's',
      topic: 't',
      deadLetter: { topic: 'dead', maxDeliveryAttempts: 5 },
    });
    // As the API returns it: durations as strings, unset policies as null.
    const existing = {
      name: 'projects/p/subscriptions/s',
      topic: 'projects/p/topics/t',
      ackDeadlineSeconds: 60,
      retainAckedMessages: true,
      messageRetentionDuration: { seconds: '604800', nanos: 0 },
      deadLetterPolicy: { deadLetterTopic: 'projects/p/topics/dead', maxDeliveryAttempts: 5 },
      retryPolicy: null,
    };
    expect(subscriptionChanges(existing, desired)).toEqual({});
    expect(
      subscriptionChanges({ ...existing, ackDeadlineSeconds: 10, deadLetterPolicy: null }, desired),
    ).toEqual({
      ackDeadlineSeconds: 60,
      deadLetterPolicy: desired.deadLetterPolicy,
    });
    expect(subscriptionChanges(existing, toSubscriptionMetadata('p', { name: 's', topic: 't' }))).toEqual({
      deadLetterPolicy: null,
    });
  });

  it('describes with short names and no backlog', () => {
    expect(
      toSubscriptionInfo('p', {
        name: 'projects/p/subscriptions/s',
        topic: 'projects/p/topics/t',
        ackDeadlineSeconds: 20,
        deadLetterPolicy: { deadLetterTopic: 'projects/p/topics/dead', maxDeliveryAttempts: 7 },
      }),
    ).toEqual({
      name: 's',
      topic: 't',
      ackDeadlineSeconds: 20,
      deadLetter: { topic: 'dead', maxDeliveryAttempts: 7 },
      backlog: undefined,
    });
  });
});
