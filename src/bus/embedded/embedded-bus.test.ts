/**
 * What the embedded bus does beyond the shared contract (test/bus/bus-contract-suite.ts): retention,
 * lease take-over between connections, errors, close. Every test runs on a real SQLite folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { ReceivedMessage, SubscribeOptions } from '../message-bus.js';
import { openBus } from '../open-bus.js';
import { EmbeddedBus, type EmbeddedBusOptions } from './embedded-bus.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function folder(): string {
  const directory = mkdtempSync(join(tmpdir(), 'shopstream-embedded-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

function open(directory: string, options: Partial<EmbeddedBusOptions> = {}): EmbeddedBus {
  const bus = new EmbeddedBus({ directory, ...options });
  cleanups.push(() => bus.close());
  return bus;
}

/** A bus with topic `t` and subscription `s` on it. */
async function withTopic(
  settings: Partial<Parameters<EmbeddedBus['ensureSubscription']>[0]> = {},
  options: Partial<EmbeddedBusOptions> = {},
) {
  const directory = folder();
  const bus = open(directory, options);
  await bus.ensureTopic('t');
  await bus.ensureSubscription({ name: 's', topic: 't', ...settings });
  return { bus, directory };
}

function collect(
  bus: EmbeddedBus,
  subscription: string,
  onMessage: (m: ReceivedMessage) => void = (m) => m.ack(),
  options?: SubscribeOptions,
) {
  const messages: ReceivedMessage[] = [];
  const subscriber = bus.subscribe(
    subscription,
    (m) => {
      messages.push(m);
      onMessage(m);
    },
    options,
  );
  cleanups.push(() => subscriber.close());
  return { messages, subscriber };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const text = (s: string) => ({ data: Buffer.from(s) });

async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    expect(error).toBeInstanceOf(ShopstreamError);
    return (error as ShopstreamError).code;
  }
  return undefined;
}

describe('EmbeddedBus', () => {
  it('is what openBus("embedded:<folder>") opens, and the folder is created', async () => {
    const directory = join(folder(), 'nested', 'bus');
    const bus = await openBus(`embedded:${directory}`);
    cleanups.push(() => bus.close());
    expect(bus).toBeInstanceOf(EmbeddedBus);
    await bus.start();
    await bus.ensureTopic('t');
    expect(await bus.publish('t', [text('a')])).toHaveLength(1);
  });

  describe('retention', () => {
    it('deletes acked messages after retainAckedSeconds, keeps unacked ones, and seek replays only what is kept', async () => {
      const { bus } = await withTopic({}, { retainAckedSeconds: 60 });
      await bus.ensureSubscription({ name: 'lagging', topic: 't' });
      await bus.publish('t', [text('a'), text('b'), text('c')]);
      const { messages, subscriber } = collect(bus, 's');
      await until('3 messages', () => messages.length === 3);
      await subscriber.close();

      // `s` acked everything, `lagging` nothing: the messages stay for `lagging`.
      expect(await bus.sweep(Date.now() + 61_000)).toBe(0);
      expect(bus.retainedMessages('t')).toBe(3);

      await bus.deleteSubscription('lagging');
      expect(await bus.sweep(Date.now() + 30_000)).toBe(0); // acked, but younger than 60 s: kept for seek
      expect(await bus.sweep(Date.now() + 61_000)).toBe(3);
      expect(bus.retainedMessages('t')).toBe(0);

      const [kept] = await bus.publish('t', [text('d')]);
      await bus.seek('s', new Date(0));
      const replay = collect(bus, 's');
      await until('the replay', () => replay.messages.length === 1);
      await sleep(100);
      expect(replay.messages.map((m) => m.id)).toEqual([kept]);
    });

    it('keeps at most retainAckedMessages acked messages per topic, however young', async () => {
      const { bus } = await withTopic({}, { retainAckedMessages: 100 });
      await bus.ensureSubscription({ name: 'lagging', topic: 't' });
      await bus.publish(
        't',
        Array.from({ length: 250 }, (_, i) => text(`m${i}`)),
      );
      const { messages, subscriber } = collect(bus, 's');
      await until('250 messages', () => messages.length === 250);
      await subscriber.close();
      expect(await bus.sweep()).toBe(0); // `lagging` has not acked them
      await bus.deleteSubscription('lagging');
      expect(await bus.sweep()).toBe(150);
      expect(bus.retainedMessages('t')).toBe(100);
    });

    it('drops unacked messages older than the subscription retention, as Pub/Sub does', async () => {
      const { bus } = await withTopic({ messageRetentionSeconds: 3600 });
      await bus.publish('t', [text('old'), text('older')]);
      expect(await bus.sweep(Date.now() + 1000)).toBe(0);
      expect((await bus.describeSubscription('s')).backlog).toBe(2);
      expect(await bus.sweep(Date.now() + 3601_000)).toBe(2);
      expect((await bus.describeSubscription('s')).backlog).toBe(0);
    });

    it('keeps nothing of a topic without subscriptions, and keeps disk use flat across rounds', async () => {
      const { bus } = await withTopic({}, { retainAckedSeconds: 1 });
      await bus.deleteSubscription('s');
      await bus.publish('t', [text('nobody listens')]);
      expect(await bus.sweep()).toBe(1);

      await bus.ensureSubscription({ name: 's', topic: 't' });
      for (let round = 0; round < 3; round++) {
        await bus.publish(
          't',
          Array.from({ length: 500 }, () => ({ data: Buffer.alloc(1000, 120) })),
        );
        const { messages, subscriber } = collect(bus, 's');
        await until('500 messages', () => messages.length === 500);
        await subscriber.close();
        await bus.sweep(Date.now() + 2000);
        expect(bus.retainedMessages('t')).toBe(0);
      }
    });
  });

  it('never reuses message ids when a topic is deleted and created again', async () => {
    const { bus } = await withTopic();
    const first = await bus.publish('t', [text('a'), text('b')]);
    await bus.deleteTopic('t');
    await bus.ensureTopic('t');
    const second = await bus.publish('t', [text('c')]);
    expect(first).not.toContain(second[0]);
    // The subscription stays, detached from the deleted topic, and gets nothing of the new one.
    expect(await bus.describeSubscription('s')).toMatchObject({ topic: 't', backlog: 0 });
  });

  it('a late ack from a closed subscriber is ignored; close lets acks made while it waits land', async () => {
    // close() waits for held messages at most the ack deadline (1 s here) before giving them back.
    const { bus } = await withTopic({ ackDeadlineSeconds: 1 });
    await bus.publish('t', [text('a'), text('b')]);
    const held = collect(bus, 's', () => undefined);
    await until('2 messages', () => held.messages.length === 2);
    const closing = held.subscriber.close();
    held.messages[0]!.ack(); // while close waits: lands
    await closing;
    held.messages[1]!.ack(); // after close: ignored, the message went back
    const again = collect(bus, 's');
    await until('the redelivery of b', () => again.messages.length === 1);
    expect(again.messages[0]!.id).toBe(held.messages[1]!.id);
  });

  it('a handler that throws reports the error and the message is redelivered', async () => {
    const { bus } = await withTopic();
    await bus.publish('t', [text('boom')]);
    const errors: Error[] = [];
    let thrown = false;
    const { messages } = collect(
      bus,
      's',
      (m) => {
        if (thrown) return m.ack();
        thrown = true;
        throw new Error('handler failed');
      },
      { onError: (e) => errors.push(e) },
    );
    await until('the redelivery', () => messages.length === 2);
    expect(errors.map((e) => e.message)).toEqual(['handler failed']);
    expect(messages[1]!.deliveryAttempt).toBe(2);
  });

  it('waits the retry backoff before redelivering a nacked message', async () => {
    const { bus } = await withTopic({
      retryPolicy: { minimumBackoffSeconds: 0.4, maximumBackoffSeconds: 1 },
    });
    await bus.publish('t', [text('later')]);
    const times: number[] = [];
    const { messages } = collect(bus, 's', (m) => {
      times.push(Date.now());
      if (m.deliveryAttempt === 1) m.nack();
      else m.ack();
    });
    await until('the redelivery', () => messages.length === 2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(380);
  });

  it('delivers a message larger than maxBytes when the subscriber holds nothing', async () => {
    const { bus } = await withTopic();
    await bus.publish('t', [{ data: Buffer.alloc(5000) }, { data: Buffer.alloc(5000) }]);
    let held = 0;
    let peak = 0;
    const { messages } = collect(
      bus,
      's',
      (m) => {
        peak = Math.max(peak, ++held);
        setTimeout(() => {
          held -= 1;
          m.ack();
        }, 20);
      },
      { flowControl: { maxMessages: 10, maxBytes: 1000 } },
    );
    await until('both messages', () => messages.length === 2);
    expect(peak).toBe(1);
  });

  it('dead-letters with the attributes Pub/Sub adds', async () => {
    const directory = folder();
    const bus = open(directory);
    await bus.ensureTopic('t');
    await bus.ensureTopic('dead');
    await bus.ensureSubscription({ name: 'dead-sub', topic: 'dead' });
    await bus.ensureSubscription({
      name: 's',
      topic: 't',
      deadLetter: { topic: 'dead', maxDeliveryAttempts: 2 },
    });
    const [id] = await bus.publish('t', [{ data: Buffer.from('poison'), attributes: { k: 'v' } }]);
    collect(bus, 's', (m) => m.nack());
    const dead = collect(bus, 'dead-sub');
    await until('the dead letter', () => dead.messages.length === 1);
    expect(dead.messages[0]!.attributes).toMatchObject({
      k: 'v',
      CloudPubSubDeadLetterSourceDeliveryCount: '2',
      CloudPubSubDeadLetterSourceSubscription: 's',
      CloudPubSubDeadLetterSourceMessageId: id,
    });
  });

  it('reports a missing subscription to onError and starts delivering once it exists', async () => {
    const directory = folder();
    const bus = open(directory);
    const errors: Error[] = [];
    const { messages } = collect(bus, 'later', undefined, { onError: (e) => errors.push(e) });
    await until('the not-found error', () => errors.length === 1);
    expect((errors[0] as ShopstreamError).code).toBe('SHOP_E_BUS_NOT_FOUND');
    await bus.ensureTopic('t');
    await bus.ensureSubscription({ name: 'later', topic: 't' });
    await bus.publish('t', [text('now')]);
    await until('the message', () => messages.length === 1);
    expect(errors).toHaveLength(1);
  });

  it('rejects bad settings, a subscription moved to another topic, and use after close', async () => {
    const { bus } = await withTopic();
    await bus.ensureTopic('u');
    expect(await codeOf(bus.ensureSubscription({ name: 's', topic: 'u' }))).toBe('SHOP_E_CONFIG_INVALID');
    expect(await codeOf(bus.ensureSubscription({ name: 'x', topic: 't', ackDeadlineSeconds: 0 }))).toBe(
      'SHOP_E_CONFIG_INVALID',
    );
    expect(
      await codeOf(
        bus.ensureSubscription({
          name: 'x',
          topic: 't',
          deadLetter: { topic: 'nowhere', maxDeliveryAttempts: 5 },
        }),
      ),
    ).toBe('SHOP_E_BUS_NOT_FOUND');
    expect(
      await codeOf(() =>
        bus.subscribe('s', () => undefined, { flowControl: { maxMessages: 0, maxBytes: 1 } }),
      ),
    ).toBe('SHOP_E_CONFIG_INVALID');
    await bus.close();
    expect(await codeOf(bus.publish('t', [text('late')]))).toBe('SHOP_E_BUS_CLOSED');
    expect(await codeOf(() => bus.subscribe('s', () => undefined))).toBe('SHOP_E_BUS_CLOSED');
  });
});
