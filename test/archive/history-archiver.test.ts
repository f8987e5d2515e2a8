import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveDatetimeFormat } from '../../src/archive/archive-file-name.js';
import { timeOfArchiveFile } from '../../src/archive/archive-file-name.js';
import { HistoryArchiver } from '../../src/archive/history-archiver.js';
import { openBackfillSource } from '../../src/archive/sources/open-backfill-source.js';
import type { MessageBus, MessageHandler, ReceivedMessage } from '../../src/bus/message-bus.js';
import { openBus } from '../../src/bus/open-bus.js';
import { openLake } from '../../src/lake/open-lake.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix } from '../support/publish-mix.js';
import { startCli } from '../support/run-cli.js';
import { asMultiset, readArchive, recordingBus } from './archive-files.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const filesIn = (dir: string): ReturnType<typeof readArchive> => (existsSync(dir) ? readArchive(dir) : []);

/** Publishes a generated mix (valid and invalid messages) and returns the payloads as published. */
async function publish(stack: LocalStack, count: number, seed: number): Promise<Buffer[]> {
  const bus = await openBus(stack.config.bus);
  await bus.start();
  try {
    const recording = recordingBus(bus);
    await publishMix(recording.bus, stack.config.topic, { count, seed });
    return recording.published;
  } finally {
    await bus.close();
  }
}

async function publishRaw(stack: LocalStack, payloads: Buffer[]): Promise<void> {
  const bus = await openBus(stack.config.bus);
  await bus.start();
  await bus.publish(
    stack.config.topic,
    payloads.map((data) => ({ data })),
  );
  await bus.close();
}

async function historyBacklog(stack: LocalStack): Promise<number | undefined> {
  const bus = await openBus(stack.config.bus);
  await bus.start();
  try {
    return (await bus.describeSubscription(stack.config.historySubscription)).backlog;
  } finally {
    await bus.close();
  }
}

/**
 * `shopstream archive run` as a real process, configured with `--set archive.*`: when files close, that
 * acks wait for durable files, and the names each datetime format gives.
 */
describe('shopstream archive run', () => {
  const stacks: LocalStack[] = [];
  const newStack = async (extra: Record<string, unknown>): Promise<LocalStack> => {
    const stack = await createLocalStack({ extra });
    stacks.push(stack);
    return stack;
  };
  afterAll(() => stacks.forEach((s) => s.remove()));

  it('closes a file at archive.maxMessages, and the open one at SIGTERM', async () => {
    const stack = await newStack({ 'archive.maxMessages': 100 });
    const backup = join(stack.dir, 'backup');
    const published = await publish(stack, 250, 1);
    const archiver = startCli([...stack.flags, 'archive', 'run']);
    await waitFor('two full files', () => filesIn(backup).length === 2);
    await sleep(1_000);
    // The last 50 are in the open file: nothing closed it yet.
    expect(filesIn(backup)).toHaveLength(2);
    archiver.child.kill('SIGTERM');
    const result = await archiver.done;
    expect(result.code, result.stderr).toBe(0);
    const files = readArchive(backup);
    expect(files.map((f) => f.payloads.length).sort((a, b) => a - b)).toEqual([50, 100, 100]);
    expect(asMultiset(files.flatMap((f) => f.payloads))).toEqual(asMultiset(published));
    expect(await historyBacklog(stack)).toBe(0);
  }, 60_000);

  it('keeps every file within archive.maxBytes; a larger message gets a file of its own', async () => {
    const maxBytes = 4_000;
    const stack = await newStack({ 'archive.maxBytes': maxBytes });
    const backup = join(stack.dir, 'backup');
    const big = Buffer.from(JSON.stringify({ event_type: 'note', text: 'x'.repeat(5_000) }));
    const published = [...(await publish(stack, 60, 2)), big];
    await publishRaw(stack, [big]);
    const archiver = startCli([...stack.flags, 'archive', 'run', '--exit-when-idle', '--idle', '1s']);
    const result = await archiver.done;
    expect(result.code, result.stderr).toBe(0);
    const files = readArchive(backup);
    expect(asMultiset(files.flatMap((f) => f.payloads))).toEqual(asMultiset(published));
    const largest = Math.max(...published.filter((p) => p !== big).map((p) => p.length + 1));
    const bigFiles = files.filter((f) => f.payloads.some((p) => p.equals(big)));
    expect(bigFiles.map((f) => f.payloads.length)).toEqual([1]);
    const others = files.filter((f) => !bigFiles.includes(f));
    for (const file of others) expect(file.bytes, file.name).toBeLessThanOrEqual(maxBytes);
    // Closed because the next message would not fit: all but the last file written are nearly full.
    expect(others.filter((f) => f.bytes <= maxBytes - largest).length).toBeLessThanOrEqual(1);
  }, 60_000);

  it('closes a file at archive.maxDurationMs while it keeps running', async () => {
    const stack = await newStack({ 'archive.maxDurationMs': 1_000 });
    const backup = join(stack.dir, 'backup');
    const archiver = startCli([...stack.flags, 'archive', 'run']);
    try {
      const first = await publish(stack, 10, 3);
      await waitFor('a file closed by max duration', () => filesIn(backup).length === 1, 15_000);
      expect(asMultiset(readArchive(backup)[0]!.payloads)).toEqual(asMultiset(first));
      const sentAt = Date.now();
      const second = await publish(stack, 5, 4);
      await waitFor('a second file', () => filesIn(backup).length === 2, 15_000);
      const newest = readArchive(backup).find((f) => f.payloads.length === 5)!;
      expect(asMultiset(newest.payloads)).toEqual(asMultiset(second));
      // Opened when its first message arrived, after it was sent (names have whole seconds).
      expect(timeOfArchiveFile(newest.name)!.getTime()).toBeGreaterThanOrEqual(
        Math.floor(sentAt / 1000) * 1000,
      );
      expect(archiver.child.exitCode).toBeNull();
    } finally {
      archiver.child.kill('SIGTERM');
      expect((await archiver.done).code).toBe(0);
    }
  }, 60_000);

  it('acks only durable files: after kill -9 mid-file the open file is redelivered, nothing lost', async () => {
    // The history lease outlasts a file's max duration (5 s here, so 15 s): the test waits that long.
    const stack = await newStack({
      'archive.maxMessages': 150,
      'archive.maxDurationMs': 5_000,
      ackDeadlineSeconds: 10,
    });
    const backup = join(stack.dir, 'backup');
    const published = await publish(stack, 200, 5);
    const first = startCli([...stack.flags, 'archive', 'run']);
    await waitFor('the first file', () => filesIn(backup).length === 1);
    // Let the first file's acks land and the other 50 reach the open file, then kill.
    await sleep(1_000);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    expect(readArchive(backup).map((f) => f.payloads.length)).toEqual([150]);
    expect(await historyBacklog(stack)).toBe(50);

    // A new archiver gets them once their lease (ackDeadlineSeconds) has run out.
    const second = startCli([...stack.flags, 'archive', 'run', '--exit-when-idle', '--idle', '1s']);
    const result = await second.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({ messages: 50, files: 1 });
    expect(asMultiset(readArchive(backup).flatMap((f) => f.payloads))).toEqual(asMultiset(published));
    expect(await historyBacklog(stack)).toBe(0);
  }, 60_000);

  it('names files by archive.datetimeFormat, archive.filenamePrefix and archive.filenameSuffix', async () => {
    const cases: { format: ArchiveDatetimeFormat; name: RegExp }[] = [
      {
        format: 'YYYY-MM-DDTHH:mm:ssZ',
        name: new RegExp(`^hist-(\\d{4}-\\d{2}-\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})Z_${UUID}\\.ndjson$`),
      },
      {
        // A slash makes a folder per day, as in Google's example `2023-09-25/04_10_00Z`.
        format: 'YYYY-MM-DD/hh_mm_ssZ',
        name: new RegExp(`^hist-(\\d{4}-\\d{2}-\\d{2})/(\\d{2})_(\\d{2})_(\\d{2})Z_${UUID}\\.ndjson$`),
      },
      {
        format: 'YYYYMMDDHHmmss',
        name: new RegExp(`^hist-(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})_${UUID}\\.ndjson$`),
      },
    ];
    for (const { format, name } of cases) {
      const stack = await newStack({
        'archive.datetimeFormat': format,
        'archive.filenamePrefix': 'hist-',
        'archive.filenameSuffix': '.ndjson',
      });
      const backup = join(stack.dir, 'backup');
      const published = await publish(stack, 20, 6);
      const started = Date.now();
      const archiver = startCli([...stack.flags, 'archive', 'run', '--exit-when-idle', '--idle', '500ms']);
      const result = await archiver.done;
      expect(result.code, result.stderr).toBe(0);
      const files = readArchive(backup);
      expect(files.map((f) => f.name)).toEqual([expect.stringMatching(name)]);
      expect(asMultiset(files[0]!.payloads)).toEqual(asMultiset(published));
      // The name's time is the UTC open time, and backfill reads it back from the full path.
      const at = timeOfArchiveFile(join(backup, files[0]!.name))!.getTime();
      expect(at).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
      const source = await openBackfillSource(backup);
      const listed: string[] = [];
      for await (const file of source.listFiles()) listed.push(file.uri);
      await source.close();
      expect(listed).toEqual([join(backup, files[0]!.name)]);
    }
  }, 90_000);
});

/**
 * A bus that reports what the archiver does with each delivery, around the real embedded bus: the
 * observation a test needs, not a stand-in.
 */
function observedBus(bus: MessageBus): { bus: MessageBus; delivered: number; acked: number; nacked: number } {
  const counts = { bus: Object.create(bus) as MessageBus, delivered: 0, acked: 0, nacked: 0 };
  counts.bus.subscribe = (subscription, handler: MessageHandler, options) =>
    bus.subscribe(
      subscription,
      (message: ReceivedMessage) => {
        counts.delivered++;
        handler({
          id: message.id,
          data: message.data,
          attributes: message.attributes,
          publishTime: message.publishTime,
          deliveryAttempt: message.deliveryAttempt,
          ack: () => {
            counts.acked++;
            message.ack();
          },
          nack: () => {
            counts.nacked++;
            message.nack();
          },
          modifyAckDeadline: (seconds) => message.modifyAckDeadline(seconds),
        });
      },
      options,
    );
  return counts;
}

describe('HistoryArchiver.close()', () => {
  let stack: LocalStack;
  let archiveDir: string;
  beforeAll(async () => {
    stack = await createLocalStack();
  });
  afterEach(() => rmSync(archiveDir, { recursive: true, force: true }));
  afterAll(() => stack?.remove());

  it('writes and acks every message delivered before or during close, and nacks none', async () => {
    const published = await publish(stack, 20_000, 7);
    archiveDir = mkdtempSync(join(tmpdir(), 'shopstream-archive-'));
    const [bus, archive] = await Promise.all([openBus(stack.config.bus), openLake(`file:${archiveDir}`)]);
    await Promise.all([bus.start(), archive.start()]);
    const observed = observedBus(bus);
    const archiver = new HistoryArchiver({
      bus: observed.bus,
      archive,
      subscription: stack.config.historySubscription,
      telemetry: new Telemetry(),
      logger: silentLogger,
      maxMessages: 2_000,
      // Small flow control: deliveries keep coming in small pulls while close() runs.
      maxOutstandingMessages: 500,
    });
    await archiver.start();
    await waitFor('deliveries', () => observed.delivered > 0);
    await archiver.close();
    await Promise.all([bus.close(), archive.close()]);

    const archived = readArchive(archiveDir).flatMap((f) => f.payloads);
    expect(observed.nacked).toBe(0);
    expect(observed.acked).toBe(observed.delivered);
    expect(archived).toHaveLength(observed.delivered);
    expect(archiver.stats.messages).toBe(observed.delivered);
    expect(await historyBacklog(stack)).toBe(published.length - observed.delivered);
  }, 60_000);
});
