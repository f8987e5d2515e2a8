/**
 * The embedded bus survives `kill -9`: of a publisher (every publish that returned is delivered
 * afterwards), and of a consumer (its unacked messages are redelivered after their lease, its
 * written acks stay). Also: consumers in two other processes share a subscription while this
 * process publishes. The other processes run test/bus/embedded-bus-child.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../src/bus/embedded/embedded-bus.js';
import type { ReceivedMessage } from '../../src/bus/message-bus.js';

const CHILD = join(import.meta.dirname, 'embedded-bus-child.ts');

/** A child process and the JSON lines it printed, complete lines only. */
class Child {
  readonly events: Record<string, unknown>[] = [];
  readonly process: ChildProcess;
  private partial = '';
  private stderr = '';
  readonly exited: Promise<NodeJS.Signals | number | null>;

  constructor(args: string[]) {
    this.process = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop()!; // a line cut by the kill is not a report
      for (const line of lines) this.events.push(JSON.parse(line) as Record<string, unknown>);
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      this.process.on('exit', (code, signal) => resolve(signal ?? code)),
    );
  }

  of<T>(key: string): T[] {
    return this.events.filter((e) => key in e).map((e) => e[key] as T);
  }

  async until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.process.exitCode !== null) throw new Error(`child exited before ${what}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`);
      await sleep(10);
    }
  }

  async kill(): Promise<void> {
    this.process.kill('SIGKILL');
    expect(await this.exited).toBe('SIGKILL');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Receives from `subscription` until its backlog is 0; returns the deliveries, acking each. */
async function drainAll(bus: EmbeddedBus, subscription: string): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const subscriber = bus.subscribe(subscription, (m) => {
    received.push(m);
    m.ack();
  });
  const deadline = Date.now() + 30_000;
  while ((await bus.describeSubscription(subscription)).backlog !== 0) {
    if (Date.now() > deadline) throw new Error(`backlog of ${subscription} never reached 0`);
    await sleep(50);
  }
  await subscriber.close();
  return received;
}

describe('embedded bus across processes and kill -9', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function folder(): string {
    const directory = mkdtempSync(join(tmpdir(), 'shopstream-bus-crash-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    return directory;
  }

  function child(args: string[]): Child {
    const c = new Child(args);
    cleanups.push(() => void c.process.kill('SIGKILL'));
    return c;
  }

  async function openBus(directory: string): Promise<EmbeddedBus> {
    const bus = new EmbeddedBus({ directory });
    cleanups.push(() => bus.close());
    await bus.start();
    return bus;
  }

  it('every publish that returned before a SIGKILL of the publisher is delivered afterwards', async () => {
    const directory = folder();
    const bus = await openBus(directory);
    await bus.ensureTopic('t');
    await bus.ensureSubscription({ name: 's', topic: 't' });

    const confirmed = new Set<string>();
    // Three publishers in a row, each killed at a random moment while publishing flat out, so the
    // kill lands inside a transaction most of the time.
    for (let round = 0; round < 3; round++) {
      const publisher = child(['publish', directory, 't', '250']);
      await publisher.until('10 published batches', () => publisher.of('published').length >= 10);
      await sleep(Math.random() * 150);
      await publisher.kill();
      for (const ids of publisher.of<string[]>('published')) for (const id of ids) confirmed.add(id);
    }
    expect(confirmed.size).toBeGreaterThanOrEqual(3 * 10 * 250);

    const received = await drainAll(bus, 's');
    const receivedIds = new Set(received.map((m) => m.id));
    const lost = [...confirmed].filter((id) => !receivedIds.has(id));
    expect(lost, 'confirmed publishes that were never delivered').toEqual([]);
    // What arrived is whole: every message parses, and no id arrived twice.
    for (const m of received) expect(JSON.parse(m.data.toString())).toHaveProperty('pad');
    expect(receivedIds.size).toBe(received.length);
  });

  it('a SIGKILLed consumer’s unacked messages are redelivered after their lease; its written acks stay', async () => {
    const directory = folder();
    const bus = await openBus(directory);
    await bus.ensureTopic('t');
    await bus.ensureSubscription({ name: 's', topic: 't', ackDeadlineSeconds: 2 });
    const ids = await bus.publish(
      't',
      Array.from({ length: 6 }, (_, i) => ({ data: Buffer.from(`m${i}`) })),
    );

    const consumer = child(['consume', directory, 's', '2', 'hold']);
    await consumer.until('6 deliveries and 2 written acks', () => {
      return consumer.of('received').length >= 6 && consumer.of('acked').length >= 1;
    });
    const leasedAt = Date.now();
    await consumer.kill();
    const acked = consumer.of<string[]>('acked')[0]!;
    expect(acked).toHaveLength(2);

    const redelivered: { message: ReceivedMessage; atMs: number }[] = [];
    const subscriber = bus.subscribe('s', (message) => {
      redelivered.push({ message, atMs: Date.now() });
      message.ack();
    });
    cleanups.push(() => subscriber.close());
    const deadline = Date.now() + 15_000;
    while (redelivered.length < 4 && Date.now() < deadline) await sleep(20);
    await sleep(500);
    expect(redelivered.map((r) => r.message.id).sort()).toEqual(
      ids.filter((id) => !acked.includes(id)).sort(),
    );
    for (const { message, atMs } of redelivered) {
      expect(message.deliveryAttempt).toBe(2);
      // Not before the dead consumer's 2 s lease ran out (it started before `leasedAt`).
      expect(atMs).toBeGreaterThanOrEqual(leasedAt + 2000 - 500);
    }
  });

  it('consumers in two other processes share a subscription while this one publishes', async () => {
    const directory = folder();
    const bus = await openBus(directory);
    await bus.ensureTopic('t');
    await bus.ensureSubscription({ name: 's', topic: 't' });
    const consumers = [child(['consume', directory, 's', '0']), child(['consume', directory, 's', '0'])];
    for (const consumer of consumers) await consumer.until('ready', () => consumer.of('ready').length > 0);
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const messages = Array.from({ length: 50 }, (_, i) => ({ data: Buffer.from(`${batch}/${i}`) }));
      ids.push(...(await bus.publish('t', messages)));
      await sleep(10 + Math.random() * 40); // the consumers' polls fall at varied moments
    }
    const deliveries = () => consumers.flatMap((c) => c.of<string>('received'));
    await consumers[0]!.until(
      'all 1000 messages across both consumers',
      () => new Set(deliveries()).size >= 1000,
    );
    await sleep(300);
    expect(new Set(deliveries())).toEqual(new Set(ids));
    expect(deliveries()).toHaveLength(1000); // no double delivery
    for (const consumer of consumers) expect(consumer.of('received').length).toBeGreaterThan(0);
    expect((await bus.describeSubscription('s')).backlog).toBe(0);
  });
});
