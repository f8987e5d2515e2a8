import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../src/bus/embedded/embedded-bus.js';
import { MessageChecker } from '../../src/contract/message-checker.js';
import { runCli, startCli } from '../support/run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'shopstream-generate-cli-'));
const busDir = join(directory, 'bus');
const file = (name: string): string => join(directory, name);
const written = (name: string, text: string): string => (writeFileSync(file(name), text), file(name));
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

describe('shopstream generate --profile', () => {
  /** The events of an NDJSON file, and per order the statuses it reached. */
  function read(path: string) {
    const events = lines(path).map((l) => JSON.parse(l) as Record<string, string>);
    const counts = { order: 0, inventory: 0, user_activity: 0 } as Record<string, number>;
    const statuses = new Map<string, Set<string>>();
    let returns = 0;
    for (const e of events) {
      counts[e.event_type!]!++;
      if (e.event_type === 'order')
        statuses.set(e.order_id!, (statuses.get(e.order_id!) ?? new Set()).add(e.status!));
      if (e.reason === 'return') returns++;
    }
    const reached = (status: string): number =>
      [...statuses.values()].filter((s) => s.has(status)).length / statuses.size;
    return { events, counts, reached, returns };
  }

  it('by default (demo) gives every event type a real share and whole order lifecycles within 3,000 events', async () => {
    const run = await runCli(['generate', '--count', '3000', '--seed', '7', '--out', file('demo.ndjson')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('profile demo');
    const { counts, reached, returns } = read(file('demo.ndjson'));
    for (const type of ['order', 'inventory', 'user_activity'])
      expect(counts[type]! / 3000, type).toBeGreaterThanOrEqual(0.1);
    for (const status of ['processing', 'shipped', 'delivered'])
      expect(reached(status), status).toBeGreaterThanOrEqual(0.1);
    expect(returns).toBeGreaterThan(0);
  });

  it('--profile shop is the realistic shop of before, byte for byte: no order past pending in 3,000 events', async () => {
    const run = await runCli([
      'generate',
      '--count',
      '3000',
      '--seed',
      '7',
      '--profile',
      'shop',
      '--out',
      file('shop.ndjson'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    // What `shopstream generate --count 3000 --seed 7` wrote before profiles existed.
    expect(
      createHash('sha256')
        .update(readFileSync(file('shop.ndjson')))
        .digest('hex'),
    ).toBe('5f434f46bdd1f758d796fb227f690410b8d132889523f86fe7d73451781e316b');
    expect(run.stderr).toContain('order 34, inventory 70, user_activity 2,896');
    expect(read(file('shop.ndjson')).reached('processing')).toBe(0);
  });

  it('takes a profile file from the flag, --set or the environment', async () => {
    const path = written('shop-like.json', JSON.stringify({ extends: 'shop' }));
    const args = (out: string): string[] => ['generate', '--count', '500', '--seed', '3', '--out', file(out)];
    const runs = await Promise.all([
      runCli([...args('named.ndjson'), '--profile', 'shop']),
      runCli([...args('flag.ndjson'), '--profile', path]),
      runCli(['--set', `generator.profile=${path}`, ...args('set.ndjson')]),
      runCli(args('env.ndjson'), { SHOPSTREAM_GENERATOR_PROFILE: path }),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs[1]!.stderr).toContain(`profile ${path}`);
    const named = readFileSync(file('named.ndjson'));
    for (const out of ['flag.ndjson', 'set.ndjson', 'env.ndjson'])
      expect(readFileSync(file(out)).equals(named), out).toBe(true);
  });

  it.each([
    [
      'an unknown field',
      '{"extends": "shop", "sesionsPerSecond": 2}',
      'SHOP_E_CONFIG_UNKNOWN_KEY',
      'sesionsPerSecond',
    ],
    ['a bad value', '{"checkoutProbability": 2}', 'SHOP_E_CONFIG_INVALID', 'checkoutProbability'],
    ['a file that is not JSON', '{"extends"', 'SHOP_E_CONFIG_FILE', 'bad-profile'],
  ])('exits 2 on a profile file with %s, naming it', async (_case, text, code, named) => {
    const path = written(`bad-profile-${code}.json`, text);
    const run = await runCli(['generate', '--count', '5', '--profile', path, '--out', file('never.ndjson')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(code);
    expect(run.stderr).toContain(path);
    expect(run.stderr).toContain(named);
  });

  it('--help of every command that makes traffic explains the profiles and the time scale', async () => {
    for (const command of [['generate'], ['generator', 'serve'], ['up']]) {
      const help = await runCli([...command, '--help']);
      expect(help.code).toBe(0);
      for (const text of ['--profile <name|file>', '--time-scale <x>', 'docs/traffic-profiles.md'])
        expect(help.stdout, `${command.join(' ')}: ${text}`).toContain(text);
    }
  });

  it('exits 2 on a profile that is neither a name nor a .json file, from the flag or the settings', async () => {
    const flag = await runCli([
      'generate',
      '--count',
      '5',
      '--profile',
      'mall',
      '--out',
      file('never.ndjson'),
    ]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(
      'SHOP_E_CONFIG_INVALID: --profile "mall": expected demo, shop, or a profile file',
    );
    const env = await runCli(['generate', '--count', '5', '--out', file('never.ndjson')], {
      SHOPSTREAM_GENERATOR_PROFILE: 'mall',
    });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('SHOPSTREAM_GENERATOR_PROFILE (environment)');
  });

  it('--time-scale makes live traffic cover more simulated time, with wall-clock event times', async () => {
    const before = Date.now();
    const run = await runCli([
      'generate',
      '--rate',
      '1000',
      '--duration',
      '1s',
      '--profile',
      'shop',
      '--time-scale',
      '3600',
      '--out',
      file('scaled.ndjson'),
    ]);
    const after = Date.now();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/wall-clock times, \d+h\d{2}m of simulated shop time at time scale 3600/);
    const { events, reached } = read(file('scaled.ndjson'));
    expect(events).toHaveLength(1000);
    for (const e of events) {
      const time = Date.parse(e.timestamp ?? e.order_date!);
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(after);
    }
    // The shop's lifecycles of hours, within 1,000 events.
    expect(reached('delivered')).toBeGreaterThan(0);
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
    [['--count', '5', '--time-scale', '60'], '--time-scale goes with --rate'],
    [['--rate', '5', '--duration', '1s', '--time-scale', '0'], '--time-scale'],
    [['--rate', '5', '--duration', '1s', '--time-scale', 'fast'], '--time-scale'],
  ])('generate %j exits 2 naming %s', async (args, flag) => {
    const run = await runCli(['generate', ...args, '--out', file('never.ndjson')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SHOP_E_USAGE');
    expect(run.stderr).toContain(flag);
  });
});

describe('shopstream generator serve', () => {
  const SERVE = ['--bus', `embedded:${busDir}`, 'generator', 'serve', '--port', '0'];

  /** Starts `generator serve` on a free port; `line` resolves with its first line of output. */
  function serve(...args: string[]) {
    const { child, done } = startCli([...SERVE, ...args]);
    const line = new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.slice(0, out.indexOf('\n')));
        }
      });
    });
    return { child, done, line };
  }

  it('serves publish_trigger on 127.0.0.1 and stops cleanly on SIGTERM', async () => {
    const { child, done, line } = serve();
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(await line)![1]!;
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

  it('serves the profile and time scale it is given, and exits 2 on a bad profile file before listening', async () => {
    const { child, done, line } = serve('--profile', 'shop', '--time-scale', '60');
    const listening = await line;
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
    expect(listening).toMatch(
      /listening on http:\/\/127\.0\.0\.1:\d+\/publish_trigger.* \(profile shop, time scale 60\)/,
    );

    const path = written('serve-typo.json', '{"extends": "demo", "checkoutProbabilty": 0.5}');
    const bad = await runCli([...SERVE, '--profile', path]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SHOP_E_CONFIG_UNKNOWN_KEY');
    expect(bad.stderr).toContain('checkoutProbabilty');
    expect(bad.stdout).not.toContain('listening');
  });
});
