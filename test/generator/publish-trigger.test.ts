import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../src/bus/embedded/embedded-bus.js';
import type { ReceivedMessage } from '../../src/bus/message-bus.js';
import { MessageChecker } from '../../src/contract/message-checker.js';
import { createPublishTrigger } from '../../src/generator/publish-trigger.js';
import { buildReferenceUniverse } from '../../src/generator/reference-universe.js';
import { TrafficGenerator } from '../../src/generator/traffic-generator.js';

const directory = mkdtempSync(join(tmpdir(), 'shopstream-publish-trigger-'));
const bus = new EmbeddedBus({ directory });
const universe = buildReferenceUniverse({ seed: 42 });
const servers: Server[] = [];

async function serve(options: { topic?: string; maxCount?: number } = {}): Promise<string> {
  const handler = createPublishTrigger({
    bus,
    topic: options.topic ?? 'events',
    generator: new TrafficGenerator({ seed: 5, universe, clock: 'wall', start: new Date() }),
    maxCount: options.maxCount ?? 1_000,
  });
  const server = createServer((req, res) => void handler(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const backlog = async (): Promise<number> => (await bus.describeSubscription('events-sub')).backlog ?? NaN;

/** Pulls and acks `count` messages from the subscription (fails the test if they do not come). */
async function receive(count: number): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  let subscriber: { close(): Promise<void> } | undefined;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count}`)), 20_000);
    subscriber = bus.subscribe('events-sub', (message) => {
      got.push(message);
      message.ack();
      if (got.length === count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await subscriber!.close();
  return got;
}

beforeAll(async () => {
  await bus.start();
  await bus.ensureTopic('events');
  await bus.ensureSubscription({ name: 'events-sub', topic: 'events', ackDeadlineSeconds: 60 });
});

afterAll(async () => {
  for (const server of servers) server.close();
  await bus.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('publish_trigger', () => {
  it('GET ?count=N publishes N valid events to the topic and answers {published, by_type}', async () => {
    const url = await serve();
    const response = await fetch(`${url}/publish_trigger?count=250`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as {
      published: number;
      by_type: Record<string, number>;
      invalid: number;
    };
    expect(body.published).toBe(250);
    expect(Object.keys(body.by_type).sort()).toEqual(['inventory', 'order', 'user_activity']);
    expect(body.by_type.order! + body.by_type.inventory! + body.by_type.user_activity!).toBe(250);

    const messages = await receive(250);
    const checker = new MessageChecker();
    const counts: Record<string, number> = { order: 0, inventory: 0, user_activity: 0 };
    for (const message of messages) {
      const result = checker.check(message.data);
      expect(result.ok).toBe(true);
      if (result.ok) counts[result.eventType]!++;
    }
    expect(counts).toEqual(body.by_type);
  });

  it('POST works with ?count=N or a JSON body {"count": N}', async () => {
    const url = await serve();
    const a = await fetch(`${url}/publish_trigger?count=10`, { method: 'POST' });
    expect(a.status).toBe(200);
    const b = await fetch(`${url}/publish_trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 7 }),
    });
    expect(b.status).toBe(200);
    expect(((await b.json()) as { published: number }).published).toBe(7);
    expect(await receive(17)).toHaveLength(17);
  });

  it.each([
    ['missing', ''],
    ['empty', '?count='],
    ['not a number', '?count=abc'],
    ['zero', '?count=0'],
    ['negative', '?count=-5'],
    ['a fraction', '?count=1.5'],
    ['exponent notation', '?count=1e3'],
    ['above the maximum', '?count=1001'],
    ['given twice', '?count=1&count=2'],
  ])('count %s answers 400 with a clear JSON error and publishes nothing', async (_case, query) => {
    const url = await serve();
    const before = await backlog();
    const response = await fetch(`${url}/publish_trigger${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SHOP_E_HTTP_BAD_REQUEST');
    expect(body.error.message).toMatch(/count/);
    expect(await backlog()).toBe(before);
  });

  it('names the configured maximum in the 400 message', async () => {
    const url = await serve({ maxCount: 50 });
    const response = await fetch(`${url}/publish_trigger?count=51`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/1 to 50\b/);
    expect((await fetch(`${url}/publish_trigger?count=50`)).status).toBe(200);
    await receive(50);
  });

  it('answers 404 for other paths, 405 for other methods, 400 for a bad JSON body, publishing nothing', async () => {
    const url = await serve();
    const before = await backlog();
    for (const path of ['/', '/publish', '/publish_trigger/x'])
      expect((await fetch(`${url}${path}?count=1`)).status, path).toBe(404);
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${url}/publish_trigger?count=1`, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'SHOP_E_HTTP_BAD_REQUEST',
      );
    }
    const bad = await fetch(`${url}/publish_trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"count": ',
    });
    expect(bad.status).toBe(400);
    expect(await backlog()).toBe(before);
  });

  it('answers 413 to a body over 64 KiB and publishes nothing', async () => {
    const url = await serve();
    const before = await backlog();
    const response = await fetch(`${url}/publish_trigger?count=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, padding: 'x'.repeat(70 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/65536 bytes/);
    expect(await backlog()).toBe(before);
  });

  it('answers 500 with the bus error code when publishing fails', async () => {
    const url = await serve({ topic: 'no-such-topic' });
    const response = await fetch(`${url}/publish_trigger?count=5`);
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string }; published: number };
    expect(body.error.code).toBe('SHOP_E_BUS_NOT_FOUND');
    expect(body.published).toBe(0);
  });

  it('serves concurrent requests from one generator without losing or duplicating messages', async () => {
    const url = await serve();
    const responses = await Promise.all([1, 2, 3].map(() => fetch(`${url}/publish_trigger?count=300`)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const messages = await receive(900);
    expect(new Set(messages.map((m) => m.data.toString())).size).toBe(900);
  });
});
