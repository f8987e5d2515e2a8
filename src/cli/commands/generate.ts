import type { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { SETTINGS } from '../../config/settings.js';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { commandContext, parseDuration, parsePositiveInt } from '../command-context.js';
import { CommandOutput, jsonOption, quietOption, type OutputFlags } from '../progress/command-output.js';

interface GenerateFlags extends OutputFlags {
  count?: string;
  rate?: string;
  duration?: string;
  seed?: string;
  invalidRatio?: string;
  out?: string;
  start?: string;
  profile?: string;
  timeScale?: string;
}

/** What `generate` was asked to do, checked. */
interface GeneratePlan {
  readonly count?: number;
  readonly rate?: number;
  readonly durationMs?: number;
  readonly seed?: number;
  readonly invalidRatio: number;
  readonly out?: string;
  readonly start?: Date;
  /** `--profile` as given (a name or a file); undefined: the `generator.profile` setting. */
  readonly profile?: string;
  /** `--time-scale`; undefined: the `generator.timeScale` setting (live runs only). */
  readonly timeScale?: number;
}

/**
 * `shopstream generate`: realistic e-commerce traffic, published to the configured bus and topic or
 * written as NDJSON.
 *
 *   shopstream generate --count 10000 --seed 7            # reproducible: same seed, same bytes
 *   shopstream generate --rate 2000 --duration 5m         # live traffic, wall-clock event times
 *   shopstream generate --count 1000000 --out /dev/null   # the speed benchmark
 *   shopstream generate --profile shop --rate 200 --duration 10m --time-scale 60
 */
export function register(program: Command): void {
  const command = program
    .command('generate')
    .description('generate realistic e-commerce events: publish them to the bus, or write NDJSON (--out)')
    .option('--count <n>', 'how many messages, as fast as possible (event times from a simulated clock)')
    .option('--rate <r>', 'messages per second, live: event times follow the wall clock (needs --duration)')
    .option('--duration <d>', 'how long to run at --rate: 30s, 10m, 1h')
    .option('--seed <s>', 'seed of the traffic (0 to 2147483647): with --count, same seed → identical bytes')
    .option('--invalid-ratio <x>', 'share of deliberately invalid messages, 0 to 1 (default 0)')
    .option('--out <file>', 'write NDJSON (one message per line) to FILE instead of publishing; - for stdout')
    .option(
      '--start <time>',
      'with --count: simulated time of the first event, RFC 3339 (default: 2025-01-01T00:00:00Z with --seed, else now)',
    )
    .addHelpText(
      'after',
      '\nThe reference universe (customers, products, warehouses) comes from the `seed` setting, the same\n' +
        'one `shopstream setup` loads into the warehouse, so every id joins; --seed only seeds the traffic.',
    )
    // Stray arguments are reported after the flags, so `--count --out f` blames --count, not `f`.
    .allowExcessArguments(true)
    .action(async (flags: GenerateFlags, cmd: Command) => {
      const { config } = commandContext(cmd);
      const plan = parseGenerateFlags(flags, config);
      if (cmd.args.length > 0)
        throw new ShopstreamError(
          'SHOP_E_USAGE',
          `unexpected argument ${cmd.args[0]}; generate takes flags only`,
        );
      await runGenerate(plan, config, new CommandOutput(flags, { stdoutIsData: plan.out === '-' }));
    });
  addTrafficOptions(command);
  command.addOption(quietOption()).addOption(jsonOption());
  exitTwoOnUsageErrors(command);
}

/**
 * `--profile` and `--time-scale`, with their help, for every command that makes traffic (generate,
 * generator serve, up). Read them back with {@link parseTimeScale} and chooseTraffic().
 */
export function addTrafficOptions(command: Command): void {
  command
    .option(
      '--profile <name|file>',
      'how the shop behaves: demo (every event type, whole order lifecycles within minutes), shop (a realistic busy shop), or a profile file (.json); default: the generator.profile setting, demo',
    )
    .option(
      '--time-scale <x>',
      'live traffic: the simulated clock runs X times faster at the same event rate, so lifecycles of hours pass in minutes (event times stay the wall clock); default: generator.timeScale (1)',
    )
    .addHelpText(
      'after',
      '\nProfiles: demo is about 60 % user activity, 25 % orders and 15 % inventory, and orders are delivered\n' +
        'within a minute of simulated time; shop is a busy shop on a realistic clock (about 90 % user activity,\n' +
        'orders ship after 15 min – 2 h). A profile file is a JSON object of profile fields that starts from\n' +
        '"extends" (demo or shop), such as {"extends": "shop", "sessionsPerSecond": 2}; every field is in\n' +
        'docs/traffic-profiles.md.',
    );
}

/** Parses `--time-scale`, with the range of the generator.timeScale setting. */
export function parseTimeScale(raw: string): number {
  const parsed = SETTINGS['generator.timeScale'].parse(raw);
  if ('error' in parsed) throw new ShopstreamError('SHOP_E_USAGE', `--time-scale ${raw}: ${parsed.error}`);
  return parsed.value;
}

/**
 * Commander's own parse errors (unknown option, missing argument) exit 2 like every usage error, with
 * one message that names the flag.
 */
export function exitTwoOnUsageErrors(command: Command): void {
  command.configureOutput({ writeErr: () => {} }).exitOverride((error) => {
    if (error.exitCode === 0) return; // --help: commander prints and exits 0 itself
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `${error.message.replace(/^error: /, '')} (see shopstream ${command.name()} --help)`,
    );
  });
}

type Limits = Parameters<typeof parseGenerateFlags>[1];

function parseGenerateFlags(
  flags: GenerateFlags,
  config: { readonly 'contract.minTimestamp': string; readonly 'contract.maxFutureMs': number },
): GeneratePlan {
  const usage = (message: string): ShopstreamError => new ShopstreamError('SHOP_E_USAGE', message);
  if (flags.count !== undefined && flags.rate !== undefined)
    throw usage('--count and --rate exclude each other: give --count N, or --rate R --duration D');
  if (flags.count === undefined && flags.rate === undefined)
    throw usage('give --count N, or --rate R --duration D');
  if (flags.rate !== undefined && flags.duration === undefined)
    throw usage('--rate needs --duration, for example --rate 1000 --duration 30s');
  if (flags.count !== undefined && flags.duration !== undefined)
    throw usage('--duration goes with --rate, not --count');
  if (flags.rate !== undefined && flags.start !== undefined)
    throw usage('--start goes with --count; with --rate, event times follow the wall clock');
  if (flags.count !== undefined && flags.timeScale !== undefined)
    throw usage(
      '--time-scale goes with --rate (live traffic); with --count, event times come from the simulated clock: choose a profile with shorter delays instead',
    );

  const plan: {
    -readonly [K in keyof GeneratePlan]: GeneratePlan[K];
  } = { invalidRatio: 0 };
  if (flags.count !== undefined) plan.count = parsePositiveInt('--count', flags.count, 1_000_000_000_000);
  if (flags.rate !== undefined) {
    const rate = /^\d+(\.\d+)?$/.test(flags.rate.trim()) ? Number(flags.rate) : NaN;
    if (!(rate > 0 && rate <= 10_000_000))
      throw usage(`--rate ${flags.rate}: expected messages per second, a number from 0.01 to 10000000`);
    plan.rate = rate;
    plan.durationMs = parseDuration('--duration', flags.duration!);
    if (plan.durationMs <= 0) throw usage(`--duration ${flags.duration}: must be longer than 0`);
  }
  if (flags.seed !== undefined) plan.seed = parseWhole('--seed', flags.seed, 0, 2 ** 31 - 1);
  if (flags.invalidRatio !== undefined) {
    const ratio = /^(0|1|0?\.\d+|1\.0*)$/.test(flags.invalidRatio.trim()) ? Number(flags.invalidRatio) : NaN;
    if (!(ratio >= 0 && ratio <= 1))
      throw usage(`--invalid-ratio ${flags.invalidRatio}: expected a share from 0 to 1, such as 0.05`);
    plan.invalidRatio = ratio;
  }
  if (flags.out !== undefined) {
    if (flags.out.trim() === '') throw usage('--out needs a file name, or - for stdout');
    plan.out = flags.out;
  }
  if (flags.start !== undefined) plan.start = parseStart(flags.start, config);
  if (flags.profile !== undefined) plan.profile = flags.profile;
  if (flags.timeScale !== undefined) plan.timeScale = parseTimeScale(flags.timeScale);
  return plan;
}

function parseWhole(flag: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `${flag} ${raw}: expected a whole number from ${min} to ${max}`,
    );
  return n;
}

function parseStart(raw: string, limits: Limits): Date {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(raw)
    ? Date.parse(raw)
    : NaN;
  if (Number.isNaN(ms))
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `--start ${raw}: expected an RFC 3339 date-time with an offset, such as 2025-01-01T00:00:00Z`,
    );
  const min = Date.parse(limits['contract.minTimestamp']);
  const max = Date.now() + limits['contract.maxFutureMs'];
  if (ms < min || ms > max)
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `--start ${raw}: events must lie between ${new Date(min).toISOString()} and ${new Date(max).toISOString()} (contract.minTimestamp, contract.maxFutureMs), or the pipeline rejects them`,
    );
  return new Date(ms);
}

async function runGenerate(
  plan: GeneratePlan,
  config: ReturnType<typeof commandContext>['config'],
  output: CommandOutput,
): Promise<void> {
  const [{ buildReferenceUniverse }, { TrafficGenerator, DEFAULT_SEEDED_START }, { chooseTraffic }] =
    await Promise.all([
      import('../../generator/reference-universe.js'),
      import('../../generator/traffic-generator.js'),
      import('../../generator/traffic-choice.js'),
    ]);
  const [{ runGeneration }, { formatUptime }, { GeneratedTally }, { Telemetry }] = await Promise.all([
    import('../../generator/generation-run.js'),
    import('../../up/status-view.js'),
    import('../../generator/generated-message.js'),
    import('../../telemetry/telemetry.js'),
  ]);
  const seed = plan.seed ?? randomInt(2 ** 31 - 1);
  const live = plan.rate !== undefined;
  const traffic = chooseTraffic(config, plan, live);
  const start = plan.start ?? (plan.seed !== undefined ? DEFAULT_SEEDED_START : new Date());
  const generator = new TrafficGenerator({
    seed,
    universe: buildReferenceUniverse({ seed: config.seed }),
    invalidRatio: plan.invalidRatio,
    start,
    clock: live ? 'wall' : 'simulated',
    profile: traffic.profile,
    timeScale: traffic.timeScale,
  });
  const generationPlan =
    plan.count !== undefined ? { count: plan.count } : { rate: plan.rate!, durationMs: plan.durationMs! };

  // Ctrl-C or SIGTERM stops generating; what was already handed over is finished and counted.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // What the sink accepted so far, shown by the progress bar.
  const tally = new GeneratedTally();
  const expected = plan.count ?? Math.round((plan.rate! * plan.durationMs!) / 1000);
  const bar = output.progress({
    label: 'generate',
    done: (t: typeof tally) => t.published,
    total: () => expected,
    detail: (t: typeof tally) =>
      `${t.published.toLocaleString('en-US')}/${expected.toLocaleString('en-US')} messages (${t.invalid.toLocaleString('en-US')} invalid)`,
  });
  // Generating rarely yields to timers, so the bar is redrawn from the per-batch event instead.
  const telemetry = bar.visible ? new Telemetry() : undefined;
  telemetry?.on('generator:published', () => bar.update(tally));
  try {
    let target: string;
    let result: Awaited<ReturnType<typeof runGeneration>>;
    if (plan.out !== undefined) {
      const toStdout = plan.out === '-';
      const stream = toStdout ? process.stdout : createWriteStream(plan.out, { highWaterMark: 1 << 20 });
      if (!toStdout) await once(stream, 'open');
      target = toStdout ? 'stdout' : plan.out;
      const newline = Buffer.from('\n');
      result = await runGeneration(
        generator,
        async (batch) => {
          const parts: Buffer[] = [];
          for (const message of batch) parts.push(message.data, newline);
          if (!stream.write(Buffer.concat(parts))) await once(stream, 'drain');
        },
        { ...generationPlan, signal: stop.signal },
        { maxInFlight: 1, batchSize: 2000, tally, telemetry },
      );
      if (!toStdout)
        await new Promise<void>((resolve, reject) =>
          stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
    } else {
      const [{ openBus }, { publishGenerated }] = await Promise.all([
        import('../../bus/open-bus.js'),
        import('../../generator/publish-generated.js'),
      ]);
      const bus = await openBus(config.bus);
      try {
        await bus.start();
        target = `${config.bus} topic ${config.topic}`;
        result = await publishGenerated(
          bus,
          config.topic,
          generator,
          { ...generationPlan, signal: stop.signal },
          { tally, telemetry },
        );
      } finally {
        await bus.close();
      }
    }
    const seconds = result.durationMs / 1000;
    const n = (x: number): string => x.toLocaleString('en-US');
    const simulatedMs = generator.simulatedTimeMs - start.getTime();
    const times = live
      ? `wall-clock times, ${formatUptime(simulatedMs)} of simulated shop time${traffic.timeScale === 1 ? '' : ` at time scale ${traffic.timeScale}`}`
      : `simulated ${start.toISOString()} → ${new Date(generator.simulatedTimeMs).toISOString()}`;
    bar.finish(tally);
    output.summary(
      {
        ...result,
        seconds,
        eventsPerSecond: Math.round(result.published / Math.max(seconds, 1e-3)),
        target,
        seed,
        profile: traffic.profileName,
        ...(live
          ? {}
          : {
              simulatedStart: start.toISOString(),
              simulatedEnd: new Date(generator.simulatedTimeMs).toISOString(),
            }),
        stoppedEarly: stop.signal.aborted,
      },
      `generate: ${n(result.published)} messages in ${seconds.toFixed(2)} s (${n(Math.round(result.published / Math.max(seconds, 1e-3)))}/s) → ${target}: ` +
        `order ${n(result.byType.order)}, inventory ${n(result.byType.inventory)}, user_activity ${n(result.byType.user_activity)}, invalid ${n(result.invalid)}` +
        ` (seed ${seed}, profile ${traffic.profileName}, ${times}${stop.signal.aborted ? ', stopped early' : ''})`,
    );
    if (!live && generator.simulatedTimeMs > Date.now() + config['contract.maxFutureMs'])
      process.stderr.write(
        `generate: warning: the last events are more than contract.maxFutureMs ahead of now and will be rejected; pass an earlier --start\n`,
      );
  } finally {
    bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
