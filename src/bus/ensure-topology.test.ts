import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { EmbeddedBus } from './embedded/embedded-bus.js';
import { ensureTopology } from './ensure-topology.js';
import type { ReceivedMessage } from './message-bus.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it('creates the pipeline topology idempotently, with dead-lettering after maxDeliveryAttempts', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'shopstream-topology-'));
  const bus = new EmbeddedBus({ directory });
  cleanups.push(
    () => rmSync(directory, { recursive: true, force: true }),
    () => bus.close(),
  );
  const config = loadConfig({ env: {}, flags: { bus: `embedded:${directory}` } });

  await ensureTopology(bus, config);
  const [id] = await bus.publish(config.topic, [{ data: Buffer.from('{"event_type":"order"}') }]);
  await ensureTopology(bus, { ...config, ackDeadlineSeconds: 30 }); // again, with a new deadline

  expect(await bus.describeSubscription(config.subscription)).toEqual({
    name: 'backend-events-topic-sub',
    topic: 'backend-events-topic',
    ackDeadlineSeconds: 30,
    deadLetter: { topic: 'backend-events-dead-letter', maxDeliveryAttempts: 5 },
    backlog: 1, // the second run kept the message
  });
  expect(await bus.describeSubscription(config.historySubscription)).toMatchObject({
    topic: 'backend-events-topic',
    // The archiver holds messages until its file closes (60 s by default): the lease outlasts that.
    ackDeadlineSeconds: 70,
    backlog: 1,
  });
  expect(await bus.describeSubscription(config.deadLetterSubscription)).toMatchObject({
    topic: 'backend-events-dead-letter',
    backlog: 0,
  });

  // A message the pipeline fails five times lands on the dead-letter subscription.
  const pipeline: ReceivedMessage[] = [];
  const failing = bus.subscribe(config.subscription, (m) => {
    pipeline.push(m);
    m.nack();
  });
  const dead: ReceivedMessage[] = [];
  bus.subscribe(config.deadLetterSubscription, (m) => {
    dead.push(m);
    m.ack();
  });
  await until('the dead letter', () => dead.length === 1);
  await failing.close();
  expect(pipeline.map((m) => m.deliveryAttempt)).toEqual([1, 2, 3, 4, 5]);
  expect(dead[0]!.attributes.CloudPubSubDeadLetterSourceMessageId).toBe(id);
  expect((await bus.describeSubscription(config.subscription)).backlog).toBe(0);
  expect((await bus.describeSubscription(config.historySubscription)).backlog).toBe(1);
});
