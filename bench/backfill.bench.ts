/**
 * Backfill throughput: `shopstream backfill --from <folder>` (a real process) replaying N generated
 * events (default 1,000,000; BENCH_EVENTS) from local NDJSON archive files of 50,000 lines into the
 * local lake and DuckDB, through the same contract, routing and sinks as the stream. A fresh lake and
 * warehouse per run; the figure is records / the run's own seconds (from the first file listed to the
 * last batch durable), median of BENCH_RUNS (default 3). Baseline, same run: reading the same files
 * into exact line bytes with the backfill source alone (no checks, no sinks). Target ≥ 100,000 events/s
 * (issue 6).
 *
 *   npx tsx bench/backfill.bench.ts            BENCH_EVENTS=200000 BENCH_RUNS=1 for a quick look
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveFileName } from '../src/archive/archive-file-name.js';
import { openBackfillSource } from '../src/archive/sources/open-backfill-source.js';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { projectRoot } from '../src/util/project-root.js';
import { createLocalStack } from '../test/support/local-stack.js';
import { median, printResult, runsFromEnv } from './bench-result.js';

const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const runs = runsFromEnv(3);
const LINES_PER_FILE = 50_000;

const root = mkdtempSync(join(tmpdir(), 'shopstream-bench-backfill-'));
const archive = join(root, 'backup');
mkdirSync(archive);

/** Archive files as the archiver writes them: events_<open time>_<uuid>.json, one payload a line. */
function writeArchive(): { files: number; bytes: number } {
  const generator = new TrafficGenerator({
    profile: 'shop',
    seed: 1,
    universe: buildReferenceUniverse({ seed: 42 }),
    clock: 'wall',
  });
  const openedAt = Date.now() - 3_600_000;
  let files = 0;
  let bytes = 0;
  for (let start = 0; start < events; start += LINES_PER_FILE, files++) {
    const lines: Buffer[] = [];
    for (let i = start; i < Math.min(events, start + LINES_PER_FILE); i++)
      lines.push(generator.next().data, NEWLINE);
    const content = Buffer.concat(lines);
    bytes += content.length;
    const name = archiveFileName(new Date(openedAt + files * 60_000), {
      prefix: 'events_',
      suffix: '.json',
      datetimeFormat: 'YYYY-MM-DDTHH:mm:ssZ',
    });
    writeFileSync(join(archive, name), content);
  }
  return { files, bytes };
}
const NEWLINE = Buffer.from('\n');

async function readOnly(): Promise<number> {
  const started = performance.now();
  const source = await openBackfillSource(archive);
  let lines = 0;
  for await (const file of source.listFiles())
    for await (const line of source.openLines(file)) if (line) lines++;
  await source.close();
  if (lines !== events) throw new Error(`read ${lines} lines, expected ${events}`);
  return events / ((performance.now() - started) / 1000);
}

interface Summary {
  records: number;
  peakRssMb: number;
  cpuSeconds: number;
  accepted: number;
  deadLettered: number;
  seconds: number;
}

async function backfillOnce(): Promise<{ rate: number; summary: Summary }> {
  const stack = await createLocalStack();
  try {
    const run = spawnSync(
      process.execPath,
      [
        join(projectRoot(), 'bin/shopstream.js'),
        ...stack.flags,
        'backfill',
        '--from',
        archive,
        '--checkpoint',
        join(stack.dir, 'checkpoint.json'),
      ],
      { cwd: projectRoot(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.status !== 0) throw new Error(`backfill failed (${run.status}): ${run.stderr}`);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as Summary;
    // Generated traffic is all valid: every record must reach the warehouse.
    if (summary.records !== events || summary.accepted !== events)
      throw new Error(`backfilled ${summary.accepted} of ${events} (read ${summary.records})`);
    return { rate: summary.records / summary.seconds, summary };
  } finally {
    stack.remove();
  }
}

try {
  process.stderr.write(`writing ${events} generated events …\n`);
  const written = writeArchive();
  process.stderr.write(`${written.files} files, ${Math.round(written.bytes / 2 ** 20)} MiB\n`);
  const rates: number[] = [];
  const baselines: number[] = [];
  const peaks: number[] = [];
  const cpuPerEvent: number[] = [];
  for (let i = 0; i < runs; i++) {
    baselines.push(await readOnly());
    const { rate, summary } = await backfillOnce();
    rates.push(rate);
    peaks.push(summary.peakRssMb);
    cpuPerEvent.push((summary.cpuSeconds * 1e6) / events);
    process.stderr.write(
      `run ${i + 1}: backfill ${Math.round(rate)} events/s (${summary.seconds.toFixed(1)} s, peak RSS ${summary.peakRssMb} MB, ${cpuPerEvent[i]!.toFixed(1)} CPU µs/event), source alone ${Math.round(baselines[i]!)} lines/s\n`,
    );
  }
  printResult({
    name: 'backfill-local',
    description: `backfill ${events.toLocaleString('en-US')} generated events (~${Math.round(written.bytes / events)} B) from ${written.files} local NDJSON files: contract → file lake + DuckDB, checkpointed`,
    value: Math.round(median(rates)),
    unit: 'events/s',
    runs: rates.map(Math.round),
    target: '≥ 100,000 events/s',
    baseline: {
      name: 'backfill source alone: the same files read into line bytes',
      value: Math.round(median(baselines)),
      unit: 'lines/s',
    },
    extra: {
      'archive MiB': Math.round(written.bytes / 2 ** 20),
      'peak RSS MB (median)': median(peaks),
      // CPU of all the process's threads per event: on N cores the rate cannot exceed N / this.
      'CPU µs per event (median)': Math.round(median(cpuPerEvent) * 10) / 10,
    },
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
