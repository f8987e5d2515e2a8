/**
 * The bus contract: one suite of behaviours that every MessageBus adapter must show, run by each
 * adapter's test file (`embedded-bus.test.ts`, `pubsub-bus.test.ts`).
 *
 * Each case creates its own topics and subscriptions with a random suffix, so several suites can share
 * one Pub/Sub emulator, and deletes them afterwards. `openBus` is called for every case (and twice by
 * `shared-subscription`): each call must return a new connection to the SAME bus, so that two
 * connections see the same topics and subscriptions.
 *
 * An adapter that cannot pass a case as written lists it in `limitations` with the reason; the suite
 * then runs, instead, a weaker test named `<case> — <reason>` that asserts what the adapter does do.
 *
 * @example
 * busContractSuite('embedded', async () => new EmbeddedBus({ directory }));
 * busContractSuite('pubsub', async () => new PubSubBus({ projectId }), {
 *   ackDeadlineSeconds: 10,
 *   limitations: { 'describe-backlog': 'Pub/Sub reports backlog only through Cloud Monitoring' },
 * });
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  FlowControl,
  MessageBus,
  OutgoingMessage,
  ReceivedMessage,
  Subscriber,
} from '../../src/bus/message-bus.js';
import { ShopstreamError } from '../../src/errors/shopstream-error.js';

export interface BusContractOptions {
  /** Cases this adapter cannot pass as written; value = the reason. The suite then runs an alternative
   *  test for that case named `<case> — <reason>` that asserts the adapter's actual documented behaviour
   *  (never a skip). */
  readonly limitations?: Partial<Record<BusContractCase, string>>;
  /** Deadline/backoff-dependent cases use this ack deadline; Pub/Sub's minimum is 10 s. */
  readonly ackDeadlineSeconds?: number;
}

export type BusContractCase =
  | 'round-trip'
  | 'fan-out'
  | 'nack-redelivery'
  | 'deadline-redelivery'
  | 'flow-control'
  | 'shared-subscription'
  | 'dead-letter'
  | 'seek'
  | 'idempotent-admin'
  | 'describe-backlog';

/** How long a message may take to arrive (a new Pub/Sub streaming pull can take a few seconds). */
const ARRIVAL_MS = 15_000;
/** How long we watch for a delivery that must NOT happen (a redelivery after ack, a duplicate). */
const QUIET_MS = 750;

/** Everything one case works with: its bus, unique names, and what to clean up afterwards. */
interface CaseContext {
  readonly bus: MessageBus;
  openAnotherBus(): Promise<MessageBus>;
  topic(label: string): Promise<string>;
  subscription(
    label: string,
    topic: string,
    settings?: Omit<Parameters<MessageBus['ensureSubscription']>[0], 'name' | 'topic'>,
  ): Promise<string>;
  /** A name that is never created. */
  unusedName(label: string): string;
  collect(bus: MessageBus, subscription: string, onMessage?: OnMessage, flowControl?: FlowControl): Collector;
}

type OnMessage = (message: ReceivedMessage, collector: Collector) => void;

/** A subscriber that records every delivery, with helpers to wait for what a case expects. */
class Collector {
  readonly deliveries: { readonly message: ReceivedMessage; readonly atMs: number }[] = [];
  private readonly subscriber: Subscriber;
  private readonly errors: Error[] = [];

  constructor(bus: MessageBus, subscription: string, onMessage: OnMessage, flowControl?: FlowControl) {
    this.subscriber = bus.subscribe(
      subscription,
      (message) => {
        this.deliveries.push({ message, atMs: Date.now() });
        onMessage(message, this);
      },
      { ...(flowControl ? { flowControl } : {}), onError: (error) => this.errors.push(error) },
    );
  }

  get messages(): ReceivedMessage[] {
    return this.deliveries.map((d) => d.message);
  }

  /** Deliveries per message id, in delivery order. */
  byId(): Map<string, ReceivedMessage[]> {
    const map = new Map<string, ReceivedMessage[]>();
    for (const { message } of this.deliveries) map.set(message.id, [...(map.get(message.id) ?? []), message]);
    return map;
  }

  /** Resolves once `condition` holds; fails with `what` and the deliveries so far after `timeoutMs`. */
  async until(what: string, condition: () => boolean, timeoutMs = ARRIVAL_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) {
        const seen = this.deliveries.map((d) => `${d.message.id}#${d.message.deliveryAttempt}`);
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; deliveries: [${seen.join(', ')}]` +
            (this.errors.length
              ? `; subscriber errors: ${this.errors.map((e) => e.message).join('; ')}`
              : ''),
        );
      }
      await sleep(10);
    }
  }

  close(): Promise<void> {
    return this.subscriber.close();
  }
}

const ackAll: OnMessage = (message) => message.ack();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function payload(text: string, attributes?: Record<string, string>): OutgoingMessage {
  return { data: Buffer.from(text), ...(attributes ? { attributes } : {}) };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ShopstreamError ${code}`).toBeInstanceOf(ShopstreamError);
  expect((error as ShopstreamError).code).toBe(code);
}

/**
 * Registers the contract cases for one adapter. Call it at the top level of a test file.
 */
export function busContractSuite(
  adapter: string,
  openBus: () => Promise<MessageBus>,
  options: BusContractOptions = {},
): void {
  const deadlineSeconds = options.ackDeadlineSeconds ?? 1;
  const deadlineMs = deadlineSeconds * 1000;
  // Deadline cases wait a few deadlines; everything else waits for arrivals only.
  const timeoutMs = 4 * ARRIVAL_MS + 6 * deadlineMs;

  describe(`bus contract: ${adapter}`, () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      // Last in, first out: collectors close before their subscriptions, topics go last, buses after.
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    });

    async function context(testCase: BusContractCase): Promise<CaseContext> {
      const suffix = randomUUID().slice(0, 8);
      const open = async (): Promise<MessageBus> => {
        const bus = await openBus();
        cleanups.push(() => bus.close());
        await bus.start();
        return bus;
      };
      const bus = await open();
      const nameOf = (kind: string, label: string) => `ct-${testCase}-${label}-${kind}-${suffix}`;
      return {
        bus,
        openAnotherBus: open,
        async topic(label) {
          const name = nameOf('topic', label);
          await bus.ensureTopic(name);
          cleanups.push(() => bus.deleteTopic(name));
          return name;
        },
        async subscription(label, topic, settings = {}) {
          const name = nameOf('sub', label);
          await bus.ensureSubscription({ ackDeadlineSeconds: 60, ...settings, name, topic });
          cleanups.push(() => bus.deleteSubscription(name));
          return name;
        },
        unusedName: (label) => nameOf('missing', label),
        collect(onBus, subscription, onMessage = ackAll, flowControl) {
          const collector = new Collector(onBus, subscription, onMessage, flowControl);
          cleanups.push(() => collector.close());
          return collector;
        },
      };
    }

    /** Registers a case, or its alternative when the adapter declares a limitation for it. */
    function contractCase(
      testCase: BusContractCase,
      title: string,
      full: (c: CaseContext) => Promise<void>,
      alternative: (c: CaseContext) => Promise<void>,
    ): void {
      const reason = options.limitations?.[testCase];
      if (reason === undefined)
        it(`${testCase}: ${title}`, async () => full(await context(testCase)), timeoutMs);
      else it(`${testCase} — ${reason}`, async () => alternative(await context(testCase)), timeoutMs);
    }

    contractCase(
      'round-trip',
      'publish → subscribe keeps bytes, attributes, ids, publishTime and deliveryAttempt',
      async (c) => {
        const topic = await c.topic('t');
        const sub = await c.subscription('s', topic);
        const sent = [
          payload('{"event_type":"order","n":1}', { source: 'contract', 'x-kind': 'json' }),
          { data: new Uint8Array([0, 255, 1, 128, 10]), attributes: {} },
          payload('third, without attributes'),
        ];
        const before = Date.now();
        const ids = await c.bus.publish(topic, sent);
        const after = Date.now();
        expect(ids).toHaveLength(3);
        expect(new Set(ids).size).toBe(3);
        for (const id of ids) expect(id).toMatch(/\S/);

        const collector = c.collect(c.bus, sub);
        await collector.until('3 messages', () => collector.deliveries.length >= 3);
        await sleep(QUIET_MS);
        expect(collector.deliveries).toHaveLength(3); // acked messages are not delivered again
        for (const [i, id] of ids.entries()) {
          const message = collector.messages.find((m) => m.id === id);
          expect(message, `message ${id}`).toBeDefined();
          expect(Buffer.isBuffer(message!.data)).toBe(true);
          expect(message!.data.equals(Buffer.from(sent[i]!.data))).toBe(true);
          expect(message!.attributes).toEqual(sent[i]!.attributes ?? {});
          expect(message!.publishTime).toBeInstanceOf(Date);
          // Same machine, so the bus clock is ours give or take a little.
          expect(message!.publishTime.getTime()).toBeGreaterThanOrEqual(before - 1000);
          expect(message!.publishTime.getTime()).toBeLessThanOrEqual(after + 1000);
          expect(message!.deliveryAttempt).toBe(1);
        }
      },
      async (c) => {
        const topic = await c.topic('t');
        const sub = await c.subscription('s', topic);
        const ids = await c.bus.publish(topic, [payload('a', { k: 'v' }), payload('b')]);
        const collector = c.collect(c.bus, sub);
        await collector.until('2 messages', () => collector.deliveries.length >= 2);
        expect(collector.messages.map((m) => m.id).sort()).toEqual([...ids].sort());
        const a = collector.messages.find((m) => m.id === ids[0])!;
        expect(a.data.toString()).toBe('a');
        expect(a.attributes).toEqual({ k: 'v' });
      },
    );

    contractCase(
      'fan-out',
      'every subscription gets every message published after it was created',
      async (c) => {
        const topic = await c.topic('t');
        const first = await c.subscription('first', topic);
        const second = await c.subscription('second', topic);
        const [early] = await c.bus.publish(topic, [payload('early')]);
        const late = await c.subscription('late', topic);
        const [recent] = await c.bus.publish(topic, [payload('recent')]);

        const collectors = [first, second, late].map((s) => c.collect(c.bus, s));
        for (const collector of collectors.slice(0, 2))
          await collector.until('early and recent', () => collector.deliveries.length >= 2);
        await collectors[2]!.until('recent', () => collectors[2]!.deliveries.length >= 1);
        await sleep(QUIET_MS);
        for (const collector of collectors.slice(0, 2))
          expect(collector.messages.map((m) => m.id).sort()).toEqual([early, recent].sort());
        // A subscription never sees what was published before it existed.
        expect(collectors[2]!.messages.map((m) => m.id)).toEqual([recent]);
      },
      async (c) => {
        const topic = await c.topic('t');
        const subs = [await c.subscription('first', topic), await c.subscription('second', topic)];
        const ids = await c.bus.publish(topic, [payload('one'), payload('two')]);
        for (const sub of subs) {
          const collector = c.collect(c.bus, sub);
          await collector.until('both messages', () => collector.byId().size >= 2);
          expect([...collector.byId().keys()].sort()).toEqual([...ids].sort());
        }
      },
    );

    // Pub/Sub counts delivery attempts only on subscriptions with a dead-letter policy, so the
    // redelivery cases attach one with a high limit; it never triggers here.
    async function redeliverySubscription(c: CaseContext, topic: string): Promise<string> {
      const dlq = await c.topic('dlq');
      return c.subscription('s', topic, {
        ackDeadlineSeconds: deadlineSeconds,
        deadLetter: { topic: dlq, maxDeliveryAttempts: 100 },
      });
    }

    contractCase(
      'nack-redelivery',
      'a nacked message is delivered again with deliveryAttempt 2; an acked one is not',
      async (c) => {
        const topic = await c.topic('t');
        const sub = await redeliverySubscription(c, topic);
        const [id] = await c.bus.publish(topic, [payload('try again', { k: 'v' })]);
        const collector = c.collect(c.bus, sub, (m) => (m.deliveryAttempt === 1 ? m.nack() : m.ack()));
        await collector.until('a redelivery', () => collector.deliveries.length >= 2);
        await sleep(QUIET_MS);
        const deliveries = collector.messages;
        expect(deliveries.map((m) => m.id)).toEqual([id, id]);
        expect(deliveries.map((m) => m.deliveryAttempt)).toEqual([1, 2]);
        expect(deliveries[1]!.data.toString()).toBe('try again');
        expect(deliveries[1]!.attributes).toEqual({ k: 'v' });
      },
      async (c) => {
        const topic = await c.topic('t');
        const sub = await redeliverySubscription(c, topic);
        const [id] = await c.bus.publish(topic, [payload('try again')]);
        let nacked = false;
        const collector = c.collect(c.bus, sub, (m) => {
          if (nacked) return m.ack();
          nacked = true;
          m.nack();
        });
        await collector.until('a redelivery', () => collector.deliveries.length >= 2);
        expect(collector.messages.slice(0, 2).map((m) => m.id)).toEqual([id, id]);
      },
    );

    contractCase(
      'deadline-redelivery',
      'an unacked message is redelivered after its ack deadline; modifyAckDeadline extends the lease',
      async (c) => {
        const topic = await c.topic('t');
        const sub = await redeliverySubscription(c, topic);
        const [dropped, extended] = await c.bus.publish(topic, [payload('dropped'), payload('extended')]);
        const collector = c.collect(c.bus, sub, (m) => {
          if (m.id === extended && m.deliveryAttempt === 1) m.modifyAckDeadline(4 * deadlineSeconds);
          if (m.id === dropped && m.deliveryAttempt >= 2) m.ack();
          // The first delivery of `dropped` is neither acked nor nacked: its lease must run out.
        });
        await collector.until(
          'the redelivery of the unacked message',
          () => (collector.byId().get(dropped!)?.length ?? 0) >= 2,
          ARRIVAL_MS + 3 * deadlineMs,
        );
        const [first, second] = collector.deliveries.filter((d) => d.message.id === dropped);
        expect(second!.message.deliveryAttempt).toBe(2);
        // Not before the deadline (a little slack for clocks and polling).
        expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(deadlineMs - 250);

        // The extended message is still leased at twice the original deadline.
        const extendedAt = collector.deliveries.find((d) => d.message.id === extended)!.atMs;
        await sleep(Math.max(0, extendedAt + 2 * deadlineMs - Date.now()));
        expect(collector.byId().get(extended!)).toHaveLength(1);
        collector.byId().get(extended!)![0]!.ack();
        await sleep(QUIET_MS);
        expect(collector.byId().get(dropped!)).toHaveLength(2);
        expect(collector.byId().get(extended!)).toHaveLength(1);
      },
      async (c) => {
        const topic = await c.topic('t');
        const sub = await redeliverySubscription(c, topic);
        const [id] = await c.bus.publish(topic, [payload('dropped')]);
        let seen = 0;
        const collector = c.collect(c.bus, sub, (m) => {
          if (++seen > 1) m.ack();
        });
        await collector.until(
          'a redelivery',
          () => collector.deliveries.length >= 2,
          2 * ARRIVAL_MS + 4 * deadlineMs,
        );
        expect(collector.messages.slice(0, 2).map((m) => m.id)).toEqual([id, id]);
      },
    );

    contractCase(
      'flow-control',
      'a subscriber never holds more than maxMessages / maxBytes unacked, and still gets everything',
      async (c) => {
        const topic = await c.topic('t');
        const byCount = await c.subscription('count', topic);
        const byBytes = await c.subscription('bytes', topic);
        const count = 24;
        const size = 1000;
        await c.bus.publish(
          topic,
          Array.from({ length: count }, (_, i) => ({ data: Buffer.alloc(size, 65 + (i % 26)) })),
        );

        const watch = (subscription: string, flowControl: FlowControl) => {
          const peak = { messages: 0, bytes: 0 };
          let messages = 0;
          let bytes = 0;
          const collector = c.collect(
            c.bus,
            subscription,
            (m) => {
              messages += 1;
              bytes += m.data.length;
              peak.messages = Math.max(peak.messages, messages);
              peak.bytes = Math.max(peak.bytes, bytes);
              // Hold each message a little, so the subscriber runs into its limits.
              setTimeout(() => {
                messages -= 1;
                bytes -= m.data.length;
                m.ack();
              }, 25);
            },
            flowControl,
          );
          return { collector, peak };
        };
        const limitedByCount = watch(byCount, { maxMessages: 4, maxBytes: 1_000_000 });
        const limitedByBytes = watch(byBytes, { maxMessages: 1000, maxBytes: 3 * size });
        for (const { collector } of [limitedByCount, limitedByBytes])
          await collector.until(`${count} messages`, () => collector.byId().size >= count);
        expect(limitedByCount.peak.messages).toBe(4);
        expect(limitedByBytes.peak.bytes).toBe(3 * size);
      },
      async (c) => {
        const topic = await c.topic('t');
        const sub = await c.subscription('s', topic);
        await c.bus.publish(
          topic,
          Array.from({ length: 24 }, () => payload('x'.repeat(1000))),
        );
        const collector = c.collect(c.bus, sub, (m) => void setTimeout(() => m.ack(), 25), {
          maxMessages: 4,
          maxBytes: 3000,
        });
        await collector.until('24 messages', () => collector.byId().size >= 24);
      },
    );

    contractCase(
      'shared-subscription',
      'consumers on two connections share one subscription without double delivery',
      async (c) => {
        const topic = await c.topic('t');
        const sub = await c.subscription('s', topic);
        const other = await c.openAnotherBus();
        const hold: OnMessage = (m) => void setTimeout(() => m.ack(), 20);
        const flowControl = { maxMessages: 5, maxBytes: 1_000_000 };
        const consumers = [
          c.collect(c.bus, sub, hold, flowControl),
          c.collect(other, sub, hold, flowControl),
        ];
        const ids: string[] = [];
        for (let batch = 0; batch < 3; batch++)
          ids.push(
            ...(await c.bus.publish(
              topic,
              Array.from({ length: 20 }, (_, i) => payload(`m${batch}-${i}`)),
            )),
          );
        const union = () => new Set(consumers.flatMap((k) => k.messages.map((m) => m.id)));
        await consumers[0]!.until('all 60 messages across both consumers', () => union().size >= 60);
        await sleep(QUIET_MS);
        expect([...union()].sort()).toEqual([...ids].sort());
        // The 60 s leases hold, so nothing is delivered twice.
        expect(consumers[0]!.deliveries.length + consumers[1]!.deliveries.length).toBe(60);
        expect(consumers[0]!.deliveries.length).toBeGreaterThan(0);
        expect(consumers[1]!.deliveries.length).toBeGreaterThan(0);
      },
      async (c) => {
        const topic = await c.topic('t');
        const sub = await c.subscription('s', topic);
        const other = await c.openAnotherBus();
        const consumers = [c.collect(c.bus, sub), c.collect(other, sub)];
        const ids = await c.bus.publish(
          topic,
          Array.from({ length: 30 }, (_, i) => payload(`m${i}`)),
        );
        const union = () => new Set(consumers.flatMap((k) => k.messages.map((m) => m.id)));
        await consumers[0]!.until('all 30 messages across both consumers', () => union().size >= 30);
        expect([...union()].sort()).toEqual([...ids].sort());
      },
    );

    contractCase(
      'dead-letter',
      'after maxDeliveryAttempts deliveries the message moves to the dead-letter topic',
      async (c) => {
        const topic = await c.topic('t');
        const dlq = await c.topic('dlq');
        const dlqSub = await c.subscription('dlq', dlq);
        const sub = await c.subscription('s', topic, { deadLetter: { topic: dlq, maxDeliveryAttempts: 5 } });
        await c.bus.publish(topic, [payload('poison', { k: 'v' })]);
        const main = c.collect(c.bus, sub, (m) => m.nack());
        const dead = c.collect(c.bus, dlqSub);
        await dead.until('the message on the dead-letter subscription', () => dead.deliveries.length >= 1);
        await sleep(QUIET_MS);
        expect(main.messages.map((m) => m.deliveryAttempt)).toEqual([1, 2, 3, 4, 5]);
        expect(dead.deliveries).toHaveLength(1);
        expect(dead.messages[0]!.data.toString()).toBe('poison');
        expect(dead.messages[0]!.attributes).toMatchObject({ k: 'v' });
      },
      async (c) => {
        const topic = await c.topic('t');
        const dlq = await c.topic('dlq');
        const sub = await c.subscription('s', topic, { deadLetter: { topic: dlq, maxDeliveryAttempts: 5 } });
        await c.bus.publish(topic, [payload('poison')]);
        const main = c.collect(c.bus, sub, (m) => (m.deliveryAttempt >= 5 ? m.ack() : m.nack()));
        await main.until('5 deliveries', () => main.deliveries.length >= 5);
        expect(main.messages.slice(0, 5).map((m) => m.data.toString())).toEqual(Array(5).fill('poison'));
      },
    );

    contractCase(
      'seek',
      'seek to a time replays what was published from then on, and counts older messages as acked',
      async (c) => {
        const topic = await c.topic('t');
        const sub = await c.subscription('s', topic, { messageRetentionSeconds: 3600 });
        const consume = async (expected: number): Promise<string[]> => {
          const collector = c.collect(c.bus, sub);
          await collector.until(`${expected} messages`, () => collector.byId().size >= expected);
          await sleep(QUIET_MS);
          await collector.close();
          return [...collector.byId().keys()].sort();
        };
        const beforeAll = new Date(Date.now() - 1000);
        const older = await c.bus.publish(topic, [payload('old-1'), payload('old-2')]);
        expect(await consume(2)).toEqual([...older].sort());
        await sleep(300);
        const between = new Date();
        await sleep(300);
        const newer = await c.bus.publish(topic, [payload('new-1'), payload('new-2'), payload('new-3')]);
        expect(await consume(3)).toEqual([...newer].sort());

        await c.bus.seek(sub, between);
        expect(await consume(3)).toEqual([...newer].sort());
        await c.bus.seek(sub, beforeAll);
        expect(await consume(5)).toEqual([...older, ...newer].sort());
      },
      async (c) => {
        const topic = await c.topic('t');
        const sub = await c.subscription('s', topic, { messageRetentionSeconds: 3600 });
        await c.bus.seek(sub, new Date());
        const ids = await c.bus.publish(topic, [payload('after seek')]);
        const collector = c.collect(c.bus, sub);
        await collector.until('the message published after the seek', () => collector.deliveries.length >= 1);
        expect(collector.messages[0]!.id).toBe(ids[0]);
      },
    );

    contractCase(
      'idempotent-admin',
      'ensure twice keeps messages and updates settings; delete is idempotent; missing → SHOP_E_BUS_NOT_FOUND',
      async (c) => {
        const topic = await c.topic('t');
        await c.bus.ensureTopic(topic);
        const sub = await c.subscription('s', topic, { ackDeadlineSeconds: 20 });
        const [id] = await c.bus.publish(topic, [payload('kept')]);
        await c.bus.ensureSubscription({ name: sub, topic, ackDeadlineSeconds: 30 });
        expect((await c.bus.describeSubscription(sub)).ackDeadlineSeconds).toBe(30);
        // Ensuring again must not have recreated the subscription: the message is still there.
        const collector = c.collect(c.bus, sub);
        await collector.until(
          'the message published before the second ensure',
          () => collector.deliveries.length >= 1,
        );
        expect(collector.messages[0]!.id).toBe(id);
        await collector.close();

        await expectCode(c.bus.describeSubscription(c.unusedName('s')), 'SHOP_E_BUS_NOT_FOUND');
        await expectCode(c.bus.publish(c.unusedName('t'), [payload('x')]), 'SHOP_E_BUS_NOT_FOUND');
        await expectCode(
          c.bus.ensureSubscription({ name: c.unusedName('s2'), topic: c.unusedName('t2') }),
          'SHOP_E_BUS_NOT_FOUND',
        );
        await c.bus.deleteSubscription(sub);
        await c.bus.deleteSubscription(sub);
        await expectCode(c.bus.describeSubscription(sub), 'SHOP_E_BUS_NOT_FOUND');
        await c.bus.deleteTopic(topic);
        await c.bus.deleteTopic(topic);
        await expectCode(c.bus.publish(topic, [payload('x')]), 'SHOP_E_BUS_NOT_FOUND');
      },
      async (c) => {
        const topic = await c.topic('t');
        await c.bus.ensureTopic(topic);
        const sub = await c.subscription('s', topic);
        await c.bus.ensureSubscription({ name: sub, topic });
        await c.bus.deleteSubscription(sub);
        await c.bus.deleteTopic(topic);
        await expectCode(c.bus.describeSubscription(sub), 'SHOP_E_BUS_NOT_FOUND');
      },
    );

    contractCase(
      'describe-backlog',
      'describe reports the settings and the backlog of unacked messages',
      async (c) => {
        const topic = await c.topic('t');
        const dlq = await c.topic('dlq');
        const described = await c.subscription('described', topic, {
          ackDeadlineSeconds: 30,
          deadLetter: { topic: dlq, maxDeliveryAttempts: 7 },
        });
        // Without a dead-letter policy, so that nacking in a loop cannot dead-letter anything.
        const consumed = await c.subscription('consumed', topic);
        expect(await c.bus.describeSubscription(described)).toEqual({
          name: described,
          topic,
          ackDeadlineSeconds: 30,
          deadLetter: { topic: dlq, maxDeliveryAttempts: 7 },
          backlog: 0,
        });
        const ids = await c.bus.publish(
          topic,
          Array.from({ length: 5 }, (_, i) => payload(`m${i}`)),
        );
        expect((await c.bus.describeSubscription(described)).backlog).toBe(5);
        expect((await c.bus.describeSubscription(consumed)).backlog).toBe(5);
        // Ack two, give the other three back; close lets the acks land.
        const acked = new Set(ids.slice(0, 2));
        const collector = c.collect(c.bus, consumed, (m) => (acked.has(m.id) ? m.ack() : m.nack()));
        await collector.until('all 5 messages', () => collector.byId().size >= 5);
        await collector.close();
        expect((await c.bus.describeSubscription(consumed)).backlog).toBe(3);
        expect((await c.bus.describeSubscription(described)).backlog).toBe(5);
      },
      async (c) => {
        const topic = await c.topic('t');
        const dlq = await c.topic('dlq');
        const sub = await c.subscription('s', topic, {
          ackDeadlineSeconds: 30,
          deadLetter: { topic: dlq, maxDeliveryAttempts: 7 },
        });
        await c.bus.publish(topic, [payload('m')]);
        const info = await c.bus.describeSubscription(sub);
        expect(info).toMatchObject({
          name: sub,
          topic,
          ackDeadlineSeconds: 30,
          deadLetter: { topic: dlq, maxDeliveryAttempts: 7 },
        });
        expect(info.backlog).toBeUndefined();
      },
    );
  });
}
