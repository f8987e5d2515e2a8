import { Option, type Command } from 'commander';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { ReconcileProgress } from '../../reconcile/reconcile-progress.js';
import { commandContext, parseDuration, parsePositiveInt } from '../command-context.js';
import { CommandOutput, jsonOption, quietOption, type OutputFlags } from '../progress/command-output.js';

interface ReconcileFlags extends OutputFlags {
  from?: string;
  to?: string;
  by: 'minute' | 'hour' | 'day';
  limit: string;
  settle: string;
  clockSkew: string;
  format: 'table' | 'json' | 'csv';
}

/**
 * `shopstream reconcile`: the ledger — per event type and time bucket, archived = in the warehouse +
 * dead-lettered, and the lake holds the warehouse. Exits 0 only when every bucket balances.
 */
export function register(program: Command): void {
  program
    .command('reconcile')
    .description('account for every event: archive vs lake vs warehouse vs DLQ, per type and time bucket')
    .option(
      '--from <time>',
      'first event time: RFC 3339 (2026-12-03T10:00:00Z), a date, or a duration ago (90m)',
    )
    .option('--to <time>', 'end of the range, exclusive (default: now minus --settle)')
    .addOption(new Option('--by <size>', 'bucket size').choices(['minute', 'hour', 'day']).default('hour'))
    .option('--limit <n>', 'event ids listed per kind of gap', '20')
    .option('--settle <duration>', 'without --to: leave out the latest events, still being archived', '2m')
    .option(
      '--clock-skew <duration>',
      'how early an event may have been archived (a producer clock ahead)',
      '10m',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
    )
    .addOption(quietOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Counts are distinct event_ids. "archived" is the history archive (--archive); "lake" the raw files
under output/<type>/ (--lake); "warehouse" the raw tables; "deadLettered" ingest_errors. Events are
bucketed by their own time; messages the contract rejected, by the time of their archive file.
Exit 0 when every bucket balances; 1 naming the buckets and the first event ids when one does not.
On a terminal a progress bar shows the side being read; --quiet prints no report (the exit code and
one error line tell), --json is --format json.
Works on local folders, gs://, DuckDB and BigQuery, and while \`shopstream up\` runs. See docs/reconcile.md.`,
    )
    .action(async (flags: ReconcileFlags, command: Command) => {
      const { config } = commandContext(command);
      const now = Date.now();
      const options = {
        from: flags.from === undefined ? undefined : parseInstant('--from', flags.from, now),
        to: flags.to === undefined ? undefined : parseInstant('--to', flags.to, now),
        by: flags.by,
        limit: flags.limit === '0' ? 0 : parsePositiveInt('--limit', flags.limit),
        settleMs: parseDuration('--settle', flags.settle),
        clockSkewMs: parseDuration('--clock-skew', flags.clockSkew),
        now: () => now,
      };
      const [{ reconcileFromConfig }, { formatReconcileReport }] = await Promise.all([
        import('../../reconcile/reconcile-from-config.js'),
        import('../../reconcile/reconcile-report-format.js'),
      ]);
      // stdout carries the report: the progress bar goes to stderr, on a terminal only.
      const output = new CommandOutput(flags, { stdoutIsData: true });
      const bar = output.progress({
        label: 'reconcile',
        done: (p: ReconcileProgress) => p.done,
        total: (p: ReconcileProgress) => p.total,
        detail: (p: ReconcileProgress) => `reading the ${p.side}: ${p.done}/${p.total}`,
      });
      let report;
      try {
        report = await reconcileFromConfig(config, options, (p) => bar.update(p));
      } finally {
        bar.stop();
      }
      if (!flags.quiet)
        process.stdout.write(formatReconcileReport(report, flags.json ? 'json' : flags.format));
      if (!report.balanced) {
        const short = report.buckets.filter((b) => !b.balanced);
        throw new ShopstreamError(
          'SHOP_E_RECONCILE_UNBALANCED',
          `${short.length} of ${report.buckets.length} buckets do not balance (first: ${short[0]!.bucket} ${short[0]!.type}); ` +
            `missing ${report.gaps.missing.count}, unarchived ${report.gaps.unarchived.count}, lake short ${report.gaps.lakeShort.count}, both ${report.gaps.both.count}`,
          { context: { ...report.totals } },
        );
      }
    });
}

/** An instant from a flag: RFC 3339, a plain date (UTC midnight), `now`, or a duration ago (`90m`). */
function parseInstant(flag: string, raw: string, now: number): Date {
  const text = raw.trim();
  if (text === 'now') return new Date(now);
  if (/^\d+(\.\d+)?(ms|s|m|h)$/.test(text)) return new Date(now - parseDuration(flag, text));
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return new Date(`${text}T00:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text)) {
    const date = new Date(text.replace(' ', 'T'));
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new ShopstreamError(
    'SHOP_E_USAGE',
    `${flag} ${raw}: expected an RFC 3339 time with an offset (2026-12-03T10:00:00Z), a date (2026-12-03), now, or a duration ago (90m)`,
  );
}
