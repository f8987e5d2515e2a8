/**
 * The Pub/Sub adapter against the official Pub/Sub emulator (started here, on a free port, shared by
 * this file): the bus contract suite, then what is particular to Pub/Sub.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageBus, ReceivedMessage, Subscriber } from '../../src/bus/message-bus.js';
import { openBus } from '../../src/bus/open-bus.js';
import { PubSubBus } from '../../src/bus/pubsub/pubsub-bus.js';
import type { PubSubBusOptions } from '../../src/bus/pubsub/pubsub-bus-options.js';
import { ShopstreamError } from '../../src/errors/shopstream-error.js';
import { startPubSubEmulator } from '../support/pubsub-emulator.js';
import { busContractSuite } from './bus-contract-suite.js';

const emulator = await startPubSubEmulator();
const PROJECT = 'shopstream-test';

describe.runIf(emulator)('Pub/Sub bus on the emulator', () => {
  afterAll(() => emulator?.stop());

  busContractSuite(
    'pubsub',
    async () => new PubSubBus({ projectId: PROJECT, emulatorHost: emulator!.host }),
    {
      ackDeadlineSeconds: 10,
      limitations: {
        // Google Pub/Sub stops sending on a stream at its max_outstanding_messages (pubsub.proto,
        // StreamingPullRequest); the emulator ignores that limit and hands a burst to one stream, where
        // the client library holds it. Sharing is checked below with messages published one by one.
        'shared-subscription':
          'the emulator ignores streaming-pull flow control, so a burst goes to one consumer (Google Pub/Sub spreads it)',
        'describe-backlog':
          'Pub/Sub reports no backlog through its API (only Cloud Monitoring does): describe gives settings and backlog undefined',
      },
    },
  );

  describe('pubsub adapter', () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    });

    async function bus(options: Partial<PubSubBusOptions> = {}): Promise<PubSubBus> {
      const opened = new PubSubBus({ projectId: PROJECT, emulatorHost: emulator!.host, ...options });
      cleanups.push(() => opened.close());
      await opened.start();
      return opened;
    }

    /** A topic and a subscription on it, with unique names, deleted after the test. */
    async function topology(
      target: MessageBus,
      settings: { ackDeadlineSeconds?: number; deadLetter?: boolean } = {},
    ): Promise<{ topic: string; subscription: string; deadLetterTopic: string }> {
      const suffix = randomUUID().slice(0, 8);
      const topic = `pa-topic-${suffix}`;
      const subscription = `pa-sub-${suffix}`;
      const deadLetterTopic = `pa-dead-${suffix}`;
      await target.ensureTopic(topic);
      await target.ensureSubscription({
        name: subscription,
        topic,
        ackDeadlineSeconds: settings.ackDeadlineSeconds ?? 60,
        ...(settings.deadLetter ? { deadLetter: { topic: deadLetterTopic, maxDeliveryAttempts: 5 } } : {}),
      });
      cleanups.push(async () => {
        await target.deleteSubscription(subscription);
        await target.deleteTopic(topic);
        await target.deleteTopic(deadLetterTopic);
      });
      return { topic, subscription, deadLetterTopic };
    }

    function consume(
      target: MessageBus,
      subscription: string,
      onMessage: (message: ReceivedMessage) => void = (m) => m.ack(),
    ): { received: ReceivedMessage[]; errors: Error[]; subscriber: Subscriber } {
      const received: ReceivedMessage[] = [];
      const errors: Error[] = [];
      const subscriber = target.subscribe(
        subscription,
        (message) => {
          received.push(message);
          onMessage(message);
        },
        { onError: (error) => errors.push(error) },
      );
      cleanups.push(() => subscriber.close());
      return { received, errors, subscriber };
    }

    it('is opened by openBus("pubsub:<project>") and honours PUBSUB_EMULATOR_HOST', async () => {
      vi.stubEnv('PUBSUB_EMULATOR_HOST', emulator!.host);
      try {
        const opened = await openBus(`pubsub:${PROJECT}`);
        cleanups.push(() => opened.close());
        expect(opened).toBeInstanceOf(PubSubBus);
        await opened.start();
        const { topic, subscription } = await topology(opened);
        const ids = await opened.publish(topic, [{ data: Buffer.from('via env') }]);
        const { received } = consume(opened, subscription);
        await until(() => received.length === 1);
        expect(received[0]!.id).toBe(ids[0]);
        expect(received[0]!.data.toString()).toBe('via env');
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it('publishes more than one batch and resolves every id, in order', async () => {
      const target = await bus({ publishBatching: { maxMessages: 100, maxMilliseconds: 5 } });
      const { topic, subscription } = await topology(target);
      const messages = Array.from({ length: 2_500 }, (_, i) => ({ data: Buffer.from(`m${i}`) }));
      const ids = await target.publish(topic, messages);
      expect(ids).toHaveLength(2_500);
      expect(new Set(ids).size).toBe(2_500);
      const { received } = consume(target, subscription);
      await until(() => received.length >= 2_500);
      const byId = new Map(received.map((m) => [m.id, m.data.toString()]));
      // Each id is the id of the message at its index.
      expect(ids.map((id) => byId.get(id))).toEqual(messages.map((m) => m.data.toString()));
    });

    it('refuses a batch holding a message with neither data nor attributes, publishing none of it', async () => {
      const target = await bus();
      const { topic, subscription } = await topology(target);
      const error = await target
        .publish(topic, [{ data: Buffer.from('fine') }, { data: Buffer.alloc(0) }])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopstreamError);
      expect((error as ShopstreamError).code).toBe('SHOP_E_BUS_UNAVAILABLE');
      expect((error as ShopstreamError).retryable).toBe(false);
      // Empty data with an attribute is a valid Pub/Sub message; it is the only one delivered.
      const [id] = await target.publish(topic, [{ data: Buffer.alloc(0), attributes: { a: 'b' } }]);
      const { received } = consume(target, subscription);
      await until(() => received.length === 1);
      await sleep(750);
      expect(received.map((m) => [m.id, m.data.length, m.attributes])).toEqual([[id, 0, { a: 'b' }]]);
    });

    it('maps an unreachable endpoint to a retryable SHOP_E_BUS_UNAVAILABLE, in bounded time', async () => {
      const target = new PubSubBus({
        projectId: PROJECT,
        emulatorHost: await closedPort(),
        requestTimeoutMs: 1_500,
      });
      cleanups.push(() => target.close());
      const started = Date.now();
      const error = await target.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopstreamError);
      expect((error as ShopstreamError).code).toBe('SHOP_E_BUS_UNAVAILABLE');
      expect((error as ShopstreamError).retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    /** The subscription as Pub/Sub stores it, read with the bare client library. */
    async function storedSettings(subscription: string) {
      const raw = new PubSub({
        projectId: PROJECT,
        apiEndpoint: emulator!.host,
        emulatorMode: true,
        universeDomain: 'googleapis.com',
      });
      try {
        return (await raw.subscription(subscription).getMetadata())[0];
      } finally {
        await raw.close();
      }
    }

    it('updates dead-letter and retry settings of an existing subscription, and removes them', async () => {
      const target = await bus();
      const { topic, subscription, deadLetterTopic } = await topology(target);
      await target.ensureSubscription({
        name: subscription,
        topic,
        ackDeadlineSeconds: 15,
        deadLetter: { topic: deadLetterTopic, maxDeliveryAttempts: 9 },
        retryPolicy: { minimumBackoffSeconds: 1, maximumBackoffSeconds: 5 },
      });
      expect(await target.describeSubscription(subscription)).toEqual({
        name: subscription,
        topic,
        ackDeadlineSeconds: 15,
        deadLetter: { topic: deadLetterTopic, maxDeliveryAttempts: 9 },
        backlog: undefined,
      });
      expect((await storedSettings(subscription)).retryPolicy).toEqual({
        minimumBackoff: { seconds: '1', nanos: 0 },
        maximumBackoff: { seconds: '5', nanos: 0 },
      });
      await target.ensureSubscription({ name: subscription, topic, ackDeadlineSeconds: 15 });
      const info = await target.describeSubscription(subscription);
      expect(info.deadLetter).toBeUndefined();
      expect(info.ackDeadlineSeconds).toBe(15);
      expect((await storedSettings(subscription)).retryPolicy).toBeNull();
    });

    it('creates subscriptions that never expire and keep acked messages (for seek)', async () => {
      const target = await bus();
      const { subscription } = await topology(target);
      const stored = await storedSettings(subscription);
      expect(stored.retainAckedMessages).toBe(true);
      // Present without a ttl: never expires (absent would mean Pub/Sub's 31 days).
      expect(stored.expirationPolicy).toEqual({ ttl: null });
    });

    it('refuses to move an existing subscription to another topic (SHOP_E_CONFIG_INVALID)', async () => {
      const target = await bus();
      const { subscription } = await topology(target);
      const other = await topology(target);
      const error = await target
        .ensureSubscription({ name: subscription, topic: other.topic })
        .catch((e: unknown) => e);
      expect((error as ShopstreamError).code).toBe('SHOP_E_CONFIG_INVALID');
    });

    it('delivers once the subscription exists when subscribed before setup, reporting NOT_FOUND meanwhile', async () => {
      const target = await bus();
      const suffix = randomUUID().slice(0, 8);
      const topic = `pa-late-topic-${suffix}`;
      const subscription = `pa-late-sub-${suffix}`;
      const { received, errors } = consume(target, subscription);
      await until(() => errors.length > 0);
      expect((errors[0] as ShopstreamError).code).toBe('SHOP_E_BUS_NOT_FOUND');
      await target.ensureTopic(topic);
      await target.ensureSubscription({ name: subscription, topic });
      cleanups.push(async () => {
        await target.deleteSubscription(subscription);
        await target.deleteTopic(topic);
      });
      const [id] = await target.publish(topic, [{ data: Buffer.from('late') }]);
      await until(() => received.length === 1, 30_000);
      expect(received[0]!.id).toBe(id);
    });

    it('shares a subscription between two connections without double delivery', async () => {
      const first = await bus();
      const second = await bus();
      const { topic, subscription } = await topology(first);
      const hold = (m: ReceivedMessage) => void setTimeout(() => m.ack(), 20);
      const consumers = [consume(first, subscription, hold), consume(second, subscription, hold)];
      await sleep(500); // both streams open
      const ids: string[] = [];
      // One by one: the emulator gives each message to a waiting stream, but a burst to one stream.
      for (let i = 0; i < 30; i++) {
        ids.push(...(await first.publish(topic, [{ data: Buffer.from(`m${i}`) }])));
        await sleep(30);
      }
      const all = () => consumers.flatMap((c) => c.received.map((m) => m.id));
      await until(() => new Set(all()).size === 30);
      await sleep(750);
      expect(all().sort()).toEqual([...ids].sort()); // every message, none twice
      expect(consumers[0]!.received.length).toBeGreaterThan(0);
      expect(consumers[1]!.received.length).toBeGreaterThan(0);
    });

    it('reports a dropped connection through onError as retryable, and still closes promptly', async () => {
      // An emulator of its own, to take down under an open subscriber.
      const doomed = (await startPubSubEmulator())!;
      cleanups.push(() => doomed.stop());
      const target = await bus({ emulatorHost: doomed.host, requestTimeoutMs: 2_000, closeTimeoutMs: 2_000 });
      const { topic, subscription } = await topology(target);
      await target.publish(topic, [{ data: Buffer.from('before') }]);
      const { received, errors, subscriber } = consume(target, subscription);
      await until(() => received.length === 1);
      await doomed.stop();
      await until(() => errors.length > 0);
      expect(errors[0]).toBeInstanceOf(ShopstreamError);
      expect((errors[0] as ShopstreamError).code).toBe('SHOP_E_BUS_UNAVAILABLE');
      expect((errors[0] as ShopstreamError).retryable).toBe(true);
      const closing = Date.now();
      await subscriber.close();
      expect(Date.now() - closing).toBeLessThan(5_000);
      // A second emulator (a JVM) starting inside a loaded full run can take most of a minute alone.
    }, 150_000);

    it('keeps consuming when its subscription is deleted and created again', async () => {
      const target = await bus();
      const { topic, subscription } = await topology(target);
      const { received, errors } = consume(target, subscription);
      await target.publish(topic, [{ data: Buffer.from('first') }]);
      await until(() => received.length === 1);
      await target.deleteSubscription(subscription);
      await until(() => errors.some((e) => (e as ShopstreamError).code === 'SHOP_E_BUS_NOT_FOUND'));
      await target.ensureSubscription({ name: subscription, topic });
      await target.publish(topic, [{ data: Buffer.from('second') }]);
      await until(() => received.length === 2, 40_000);
      expect(received.map((m) => m.data.toString())).toEqual(['first', 'second']);
    }, 60_000);

    it('nacks and redelivers a message whose handler throws, and reports the error', async () => {
      const target = await bus();
      const { topic, subscription } = await topology(target, { deadLetter: true });
      const [id] = await target.publish(topic, [{ data: Buffer.from('boom once') }]);
      let thrown = false;
      const { received, errors } = consume(target, subscription, (m) => {
        if (!thrown) {
          thrown = true;
          throw new Error('handler failed');
        }
        m.ack();
      });
      await until(() => received.length === 2);
      expect(received.map((m) => [m.id, m.deliveryAttempt])).toEqual([
        [id, 1],
        [id, 2],
      ]);
      expect(errors.map((e) => e.message)).toEqual(['handler failed']);
    });

    it('lets delivered messages be acked while close() runs, and only then resolves', async () => {
      const target = await bus();
      const { topic, subscription } = await topology(target, { ackDeadlineSeconds: 10 });
      await target.publish(topic, [{ data: Buffer.from('a') }, { data: Buffer.from('b') }]);
      const held: ReceivedMessage[] = [];
      const first = consume(target, subscription, (m) => held.push(m));
      await until(() => held.length === 2);
      // The pipeline's way: close, flush, ack. The acks land before close() resolves.
      const closing = first.subscriber.close();
      let closed = false;
      void closing.then(() => (closed = true));
      await sleep(300);
      expect(closed).toBe(false);
      for (const m of held) m.ack();
      await closing;
      // Acked, so a new subscriber gets nothing, even after the 10 s deadline would have passed.
      const second = consume(target, subscription);
      await sleep(12_000);
      expect(second.received).toHaveLength(0);
    }, 30_000);

    it('is closed for use after close() (SHOP_E_BUS_CLOSED)', async () => {
      const target = await bus();
      await target.close();
      const error = await target.publish('any-topic', [{ data: Buffer.from('x') }]).catch((e: unknown) => e);
      expect((error as ShopstreamError).code).toBe('SHOP_E_BUS_CLOSED');
      expect(() => target.subscribe('any-sub', () => undefined)).toThrow(ShopstreamError);
    });
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `127.0.0.1:<port>` where nothing listens. */
async function closedPort(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(`127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`));
    });
  });
}
