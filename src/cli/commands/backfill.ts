import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import type { BackfillProgress } from '../../archive/backfill.js';
import { contractSettingsOf } from '../../config/contract-settings.js';
import type { Config } from '../../config/settings.js';
import { commandContext, parsePositiveInt } from '../command-context.js';
import { CommandOutput, jsonOption, quietOption, type OutputFlags } from '../progress/command-output.js';

/** `shopstream backfill --from <uri>`: replay archived NDJSON through the pipeline's contract and sinks. */
export function register(program: Command): void {
  program
    .command('backfill')
    .description(
      'replay NDJSON archives (file/folder, gs://, s3://; plain or gzip) into the lake, warehouse and DLQ',
    )
    .requiredOption('--from <uri>', 'a local file or folder, gs://bucket/prefix, or s3://bucket/prefix')
    .option(
      '--checkpoint <file>',
      'where finished files are recorded (default ./data/backfill/<hash of --from>.json)',
    )
    .option('--restart', 'ignore the checkpoint and start from the first file')
    .option('--batch <records>', 'records per write to the sinks', '20000')
    .option(
      '--fill-missing <table.column>',
      'instead of appending, fill this column in place in rows stored before the contract had it (e.g. orders.coupon_code, orders.items.discount); repeatable',
      (value: string, previous: string[] = []) => [...previous, ...value.split(',')],
    )
    .addOption(quietOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nOn a terminal a progress bar shows files, records and the rate; the summary is one JSON line on\n' +
        'stdout when piped (or with --json). Ctrl-C or SIGTERM writes what is read, records it in the\n' +
        'checkpoint and exits 130; the next run continues from there.',
    )
    .addHelpText(
      'after',
      `
--fill-missing: after a contract change added an optional field and \`shopstream setup\` added its
column, the rows stored before (by the old pipeline, or before the change) have it NULL although the
archive holds the field. This reads the archive again with the current contract and sets the column
in place where the stored row (same event_id) lacks it. No row is appended, to the warehouse, the
lake or the DLQ, so the views still hold each event once; a second run changes nothing.
  shopstream backfill --from ./data/backup --fill-missing orders.coupon_code`,
    )
    .action(
      async (
        opts: {
          from: string;
          checkpoint?: string;
          restart?: boolean;
          batch: string;
          fillMissing?: string[];
        } & OutputFlags,
        command: Command,
      ) => {
        const { config, logger } = commandContext(command);
        const batchRecords = parsePositiveInt('--batch', opts.batch, 1_000_000);
        if (opts.fillMissing) return fillMissing(config, opts.from, opts.fillMissing, batchRecords);
        const [
          { openBackfillSource },
          { BackfillCheckpoint },
          { runBackfill },
          { openLake },
          { openWarehouse },
          { Telemetry },
        ] = await Promise.all([
          import('../../archive/sources/open-backfill-source.js'),
          import('../../archive/backfill-checkpoint.js'),
          import('../../archive/backfill.js'),
          import('../../lake/open-lake.js'),
          import('../../warehouse/open-warehouse.js'),
          import('../../telemetry/telemetry.js'),
        ]);
        const checkpointPath =
          opts.checkpoint ??
          `./data/backfill/${createHash('sha256').update(opts.from).digest('hex').slice(0, 16)}.json`;
        if (opts.restart) {
          const { rmSync } = await import('node:fs');
          rmSync(checkpointPath, { force: true });
        }
        const source = await openBackfillSource(opts.from);
        const [lake, warehouse] = await Promise.all([openLake(config.lake), openWarehouse(config.warehouse)]);
        const abort = new AbortController();
        const onSignal = (): void => abort.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const output = new CommandOutput(opts);
        const bar = output.progress(BACKFILL_PROGRESS);
        try {
          // Inside the try: a warehouse that cannot start (locked by a running pipeline) still lets
          // the lake and the source close.
          await Promise.all([lake.start(), warehouse.start()]);
          const started = Date.now();
          const progress = await runBackfill({
            source,
            lake,
            warehouse,
            checkpoint: new BackfillCheckpoint(checkpointPath, opts.from),
            telemetry: new Telemetry(),
            logger,
            batchRecords,
            ...checking(config),
            onProgress: (p) => bar.update(p),
            signal: abort.signal,
          });
          bar.finish(progress);
          const seconds = (Date.now() - started) / 1000;
          const cpu = process.cpuUsage();
          const summary = {
            ...progress,
            seconds,
            recordsPerSecond: Math.round(progress.records / Math.max(seconds, 0.001)),
            interrupted: abort.signal.aborted,
            checkpoint: checkpointPath,
            // maxRSS is in KiB on Linux and macOS.
            peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
            // All threads (DuckDB's too), since the process started: what the run cost the machine.
            cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
          };
          const n = (x: number): string => x.toLocaleString('en-US');
          output.summary(
            summary,
            `backfill: ${n(progress.records)} records from ${n(progress.files)} files in ${seconds.toFixed(1)} s (${n(summary.recordsPerSecond)}/s): ` +
              `${n(progress.accepted)} accepted, ${n(progress.deadLettered)} dead-lettered` +
              (progress.filesSkipped ? `, ${n(progress.filesSkipped)} files skipped as done` : '') +
              (summary.interrupted ? '; interrupted, run again to continue' : ''),
          );
          if (abort.signal.aborted) process.exitCode = 130;
        } finally {
          bar.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await Promise.allSettled([source.close(), lake.close(), warehouse.close()]);
        }
      },
    );
}

/** The backfill's progress line: bytes read of the total, with files and records. */
const BACKFILL_PROGRESS = {
  label: 'backfill',
  done: (p: BackfillProgress) => p.bytes,
  total: (p: BackfillProgress) => p.bytesTotal,
  rateOf: (p: BackfillProgress) => p.records,
  detail: (p: BackfillProgress) =>
    `files ${p.files}/${p.filesTotal} | ${p.records.toLocaleString('en-US')} records (${p.accepted.toLocaleString('en-US')} ok, ${p.deadLettered.toLocaleString('en-US')} DLQ)`,
};

/** `backfill --fill-missing`: fills columns in place from the archive (see runFillMissing). */
async function fillMissing(
  config: Config,
  from: string,
  names: string[],
  batchRecords: number,
): Promise<void> {
  const [{ parseFillTarget }, { openBackfillSource }, { runFillMissing }, { openWarehouse }] =
    await Promise.all([
      import('../../warehouse/migration/fill-target.js'),
      import('../../archive/sources/open-backfill-source.js'),
      import('../../archive/fill-missing.js'),
      import('../../warehouse/open-warehouse.js'),
    ]);
  const targets = names.map(parseFillTarget);
  const source = await openBackfillSource(from);
  const warehouse = await openWarehouse(config.warehouse);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await warehouse.start();
    const started = Date.now();
    const progress = await runFillMissing({
      source,
      warehouse,
      targets,
      batchRecords,
      ...checking(config),
      signal: abort.signal,
    });
    const seconds = Math.round((Date.now() - started) / 10) / 100;
    process.stdout.write(
      JSON.stringify({ fillMissing: progress, seconds, interrupted: abort.signal.aborted }) + '\n',
    );
    if (abort.signal.aborted) process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.allSettled([source.close(), warehouse.close()]);
  }
}

/** How a backfill checks records: the pipeline's worker threads and contract settings. */
function checking(config: Config): {
  prepareWorkers: number | undefined;
  contract: ReturnType<typeof contractSettingsOf>;
} {
  return {
    prepareWorkers: config['pipeline.prepareWorkers'] || undefined,
    contract: contractSettingsOf(config),
  };
}
