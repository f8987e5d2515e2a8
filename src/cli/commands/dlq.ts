import type { Command } from 'commander';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { DeadLetterFix, ReplayResult } from '../../dlq/dead-letter-replay.js';
import { commandContext, parsePositiveInt } from '../command-context.js';
import { CommandOutput, jsonOption, quietOption, type OutputFlags } from '../progress/command-output.js';

/** `shopstream dlq list | show | replay`: inspect and fix the dead-letter records in the lake. */
export function register(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('inspect and replay dead-letter records (output/errors/ in the lake)');

  dlq
    .command('list')
    .description('count DLQ records by error code and day')
    .option('--since <time>', 'only records ingested at or after this RFC 3339 time')
    .action(async (opts: { since?: string }, command: Command) => {
      const { config } = commandContext(command);
      const { lake, readDeadLetters } = await open(config.lake);
      const counts = new Map<string, number>();
      for await (const { record } of readDeadLetters(lake, { since: parseSince(opts.since) })) {
        const key = `${record.ingestion_time.slice(0, 10)}\t${record.error.code}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await lake.close();
      const rows = [...counts].sort(([a], [b]) => a.localeCompare(b));
      process.stdout.write('day\tcode\tcount\n' + rows.map(([key, n]) => `${key}\t${n}\n`).join(''));
      process.stdout.write(`total\t\t${rows.reduce((sum, [, n]) => sum + n, 0)}\n`);
    });

  dlq
    .command('show')
    .description('print DLQ records as NDJSON')
    .option('--code <code>', 'only this error code (e.g. SHOP_E_FIELD_ENUM)')
    .option('--since <time>', 'only records ingested at or after this RFC 3339 time')
    .option('--limit <n>', 'at most this many records', '20')
    .action(async (opts: { code?: string; since?: string; limit: string }, command: Command) => {
      const { config } = commandContext(command);
      const limit = parsePositiveInt('--limit', opts.limit);
      const { lake, readDeadLetters } = await open(config.lake);
      let shown = 0;
      for await (const { key, record } of readDeadLetters(lake, {
        code: opts.code,
        since: parseSince(opts.since),
      })) {
        process.stdout.write(JSON.stringify({ file: key, ...record }) + '\n');
        if (++shown >= limit) break;
      }
      await lake.close();
    });

  dlq
    .command('replay')
    .description('re-publish DLQ records to the topic, optionally through a fix module')
    .option('--code <code>', 'only this error code')
    .option('--since <time>', 'only records ingested at or after this RFC 3339 time')
    .option('--limit <n>', 'at most this many records')
    .option(
      '--fix <module>',
      'a JS module exporting (default or `fix`) a function bad payload → corrected payload or null',
    )
    .option('--force', 'also replay records an earlier replay re-published')
    .option('--dry-run', 'count what would be replayed; publish nothing')
    .addOption(quietOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nOn a terminal a progress line counts the records; the summary is one JSON line on stdout when\n' +
        'piped (or with --json). Ctrl-C or SIGTERM stops reading, publishes and records what was replayed.',
    )
    .action(
      async (
        opts: {
          code?: string;
          since?: string;
          limit?: string;
          fix?: string;
          force?: boolean;
          dryRun?: boolean;
        } & OutputFlags,
        command: Command,
      ) => {
        const { config } = commandContext(command);
        const limit = opts.limit === undefined ? undefined : parsePositiveInt('--limit', opts.limit);
        const fix = opts.fix ? await loadFix(opts.fix) : undefined;
        const [{ lake }, { openBus }, { replayDeadLetters }] = await Promise.all([
          open(config.lake),
          import('../../bus/open-bus.js'),
          import('../../dlq/dead-letter-replay.js'),
        ]);
        const bus = await openBus(config.bus);
        const output = new CommandOutput(opts);
        const bar = output.progress(REPLAY_PROGRESS);
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          await bus.start();
          const result = await replayDeadLetters({
            lake,
            bus,
            topic: config.topic,
            fix,
            limit,
            code: opts.code,
            since: parseSince(opts.since),
            force: opts.force,
            dryRun: opts.dryRun,
            onProgress: (p) => bar.update(p),
            signal: stop.signal,
          });
          bar.finish(result);
          const n = (x: number): string => x.toLocaleString('en-US');
          output.summary(
            { ...result, interrupted: stop.signal.aborted },
            `dlq replay: ${n(result.replayed)} ${opts.dryRun ? 'would be replayed (dry run)' : `replayed to ${config.topic}`}, ` +
              `${n(result.skippedByFix)} left alone by the fix, ${n(result.alreadyReplayed)} replayed before` +
              (stop.signal.aborted ? '; stopped early' : ''),
          );
        } finally {
          bar.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await Promise.allSettled([bus.close(), lake.close()]);
        }
      },
    );
}

/** The replay's progress line: no total (the records are counted as they are read). */
const REPLAY_PROGRESS = {
  label: 'dlq replay',
  done: (p: ReplayResult) => p.replayed + p.skippedByFix + p.alreadyReplayed,
  detail: (p: ReplayResult) =>
    `${p.replayed.toLocaleString('en-US')} replayed, ${p.skippedByFix.toLocaleString('en-US')} left alone, ${p.alreadyReplayed.toLocaleString('en-US')} replayed before`,
};

async function open(uri: string) {
  const [{ openLake }, { readDeadLetters }] = await Promise.all([
    import('../../lake/open-lake.js'),
    import('../../dlq/dead-letter-reader.js'),
  ]);
  const lake = await openLake(uri);
  await lake.start();
  return { lake, readDeadLetters };
}

function parseSince(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime()))
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `--since ${raw}: expected an RFC 3339 time such as 2024-05-01T00:00:00Z`,
    );
  return date;
}

async function loadFix(path: string): Promise<DeadLetterFix> {
  let module: { default?: unknown; fix?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as typeof module;
  } catch (cause) {
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `--fix ${path}: cannot load the module: ${(cause as Error).message}`,
      { cause },
    );
  }
  const fix = module.fix ?? module.default;
  if (typeof fix !== 'function')
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `--fix ${path}: the module must export a function (default or named "fix")`,
    );
  return fix as DeadLetterFix;
}
