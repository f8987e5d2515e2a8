import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../src/bus/embedded/embedded-bus.js';
import { MessageChecker } from '../../src/contract/message-checker.js';
import { runCli, startCli } from '../support/run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'shopstream-generate-cli-'));
const busDir = join(directory, 'bus');
const file = (name: string): string => join(directory, name);
const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').slice(0, -1);

beforeAll(async () => {
  const bus = new EmbeddedBus({ directory: busDir });
  await bus.start();
  await bus.ensureTopic('backend-events-topic');
  await bus.ensureSubscription({ name: 'cli-sub', topic: 'backend-events-topic' });
  await bus.close();
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('shopstream generate --out', () => {
  it('writes N NDJSON lines, the same bytes for the same seed and different ones for another', async () => {
    const [a, b, c] = await Promise.all([
      runCli([
        'generate',
        '--count',
        '3000',
        '--seed',
        '7',
        '--invalid-ratio',
        '0.05',
        '--out',
        file('a.ndjson'),
      ]),
      runCli([
        'generate',
        '--count',
        '3000',
        '--seed',
        '7',
        '--invalid-ratio',
        '0.05',
        '--out',
        file('b.ndjson'),
      ]),
      runCli(['generate', '--count', '3000', '--seed', '8', '--out', file('c.ndjson')]),
    ]);
    for (const run of [a, b, c]) expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(file('a.ndjson')).equals(readFileSync(file('b.ndjson')))).toBe(true);
    expect(readFileSync(file('a.ndjson')).equals(readFileSync(file('c.ndjson')))).toBe(false);
    expect(lines(file('a.ndjson'))).toHaveLength(3000);

    // The one-line summary counts what was written.
    const summary =
      /generate: 3,000 messages .*order ([\d,]+), inventory ([\d,]+), user_activity ([\d,]+), invalid ([\d,]+)/.exec(
        a.stderr,
      );
    expect(summary, a.stderr).not.toBeNull();
    const [order, inventory, activity, invalid] = summary!.slice(1).map((n) => Number(n.replaceAll(',', '')));
    const checker = new MessageChecker();
    const counts = { order: 0, inventory: 0, user_activity: 0, invalid: 0 };
    for (const line of lines(file('a.ndjson'))) {
      const result = checker.check(Buffer.from(line, 'latin1'));
      if (result.ok) counts[result.eventType]++;
      else counts.invalid++;
    }
    expect(counts).toEqual({ order, inventory, user_activity: activity, invalid });
    expect(invalid).toBeGreaterThan(0);
    // A seeded run starts at the fixed instant, so the same seed gives the same bytes on any day.
    expect(a.stderr).toContain('simulated 2025-01-01T00:00:00.000Z');
  });

  it('--start sets the simulated time of the first event; --out - writes to stdout', async () => {
    const run = await runCli([
      'generate',
      '--count',
      '50',
      '--seed',
      '1',
      '--start',
      '2024-06-01T12:00:00+02:00',
      '--out',
      '-',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { timestamp?: string; order_date?: string });
    expect(events).toHaveLength(50);
    const first = Date.parse(events[0]!.timestamp ?? events[0]!.order_date!);
    expect(first).toBeGreaterThanOrEqual(Date.parse('2024-06-01T10:00:00Z'));
    expect(first).toBeLessThan(Date.parse('2024-06-01T10:01:00Z'));
  });

  it('--rate R --duration D writes R × D live events stamped with the wall clock', async () => {
    const before = Date.now();
    const run = await runCli(['generate', '--rate', '400', '--duration', '1s', '--out', file('live.ndjson')]);
    expect(run.code, run.stderr).toBe(0);
    const events = lines(file('live.ndjson')).map(
      (l) => JSON.parse(l) as { timestamp?: string; order_date?: string },
    );
    expect(events).toHaveLength(400);
    for (const e of events) expect(Date.parse(e.timestamp ?? e.order_date!)).toBeGreaterThanOrEqual(before);
    expect(run.stderr).toContain('wall-clock times');
  });
});

describe('shopstream generate to the bus', () => {
  it('publishes N messages to the configured topic', async () => {
    const run = await runCli([
      '--bus',
      `embedded:${busDir}`,
      'generate',
      '--count',
      '2500',
      '--invalid-ratio',
      '0.1',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/generate: 2,500 messages .*embedded:.* topic backend-events-topic/);
    const bus = new EmbeddedBus({ directory: busDir });
    await bus.start();
    try {
      expect((await bus.describeSubscription('cli-sub')).backlog).toBe(2500);
      const invalid = Number(/invalid ([\d,]+)/.exec(run.stderr)![1]!.replaceAll(',', ''));
      const checker = new MessageChecker();
      let rejected = 0;
      let received = 0;
      await new Promise<void>((resolve) => {
        const subscriber = bus.subscribe('cli-sub', (message) => {
          if (!checker.check(message.data).ok) rejected++;
          message.ack();
          if (++received === 2500) void subscriber.close().then(resolve);
        });
      });
      expect(rejected).toBe(invalid);
    } finally {
      await bus.close();
    }
  });

  it('fails with the bus error when the topic does not exist', async () => {
    const run = await runCli([
      '--bus',
      `embedded:${busDir}`,
      '--set',
      'topic=no-such-topic',
      'generate',
      '--count',
      '10',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SHOP_E_BUS_NOT_FOUND');
  });
});

describe('shopstream generate usage errors', () => {
  it.each([
    [['--count', '0'], '--count'],
    [['--count', 'ten'], '--count'],
    [['--count'], '--count'],
    [['--rate', '100'], '--duration'],
    [['--rate', 'fast', '--duration', '1s'], '--rate'],
    [['--rate', '100', '--duration', 'forever'], '--duration'],
    [['--count', '5', '--rate', '5', '--duration', '1s'], '--rate'],
    [['--count', '5', '--seed', '-3'], '--seed'],
    [['--count', '5', '--invalid-ratio', '1.5'], '--invalid-ratio'],
    [['--count', '5', '--start', '1999-12-31T00:00:00Z'], '--start'],
    [['--count', '5', '--start', 'tomorrow'], '--start'],
    [['--count', '5', '--cuont', '5'], '--cuont'],
    [[], '--count'],
  ])('generate %j exits 2 naming %s', async (args, flag) => {
    const run = await runCli(['generate', ...args, '--out', file('never.ndjson')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SHOP_E_USAGE');
    expect(run.stderr).toContain(flag);
  });
});

describe('shopstream generator serve', () => {
  it('serves publish_trigger on 127.0.0.1 and stops cleanly on SIGTERM', async () => {
    const { child, done } = startCli(['--bus', `embedded:${busDir}`, 'generator', 'serve', '--port', '0']);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const bus = new EmbeddedBus({ directory: busDir });
    await bus.start();
    try {
      const before = (await bus.describeSubscription('cli-sub')).backlog!;
      const ok = await fetch(`${url}/publish_trigger?count=40`);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { published: number }).published).toBe(40);
      expect((await fetch(`${url}/publish_trigger?count=100001`)).status).toBe(400);
      expect((await bus.describeSubscription('cli-sub')).backlog).toBe(before + 40);
    } finally {
      await bus.close();
      child.kill('SIGTERM');
    }
    expect((await done).code).toBe(0);
  });

  it('rejects a bad port with exit 2', async () => {
    const run = await runCli(['generator', 'serve', '--port', '70000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port');
  });
});
