/**
 * The soak test: `npx tsx bench/soak.ts [--rate 5000] [--duration 10m] [--json soak.json]
 * [--heap-snapshots 3m,10m --snapshot-dir DIR] [--no-warehouse-writes] [--checkpoint-threshold 16MB]
 * [--row-group-size 16384] [--reopen-after-rows 1000000]`. Runs the whole local system at a fixed rate and
 * prints a line per sample (throughput, latency p50/p99, backlog, memory), then the per-minute medians
 * of RSS and JS heap, their least-squares slopes after minute 5, and a verdict: memory flat
 * (slope ≤ 0.5 MB/min) and p99 ≤ 2 s at 5,000 events/s. `--json` keeps the samples and verdict for
 * bench/soak-plot.ts; `--heap-snapshots` writes main-thread heap snapshots at those times (compare
 * them with bench/heap-snapshot-diff.ts); `--no-warehouse-writes` makes the warehouse's appends write
 * nothing, a diagnostic that takes DuckDB's share out of the memory figures; `--checkpoint-threshold`,
 * `--row-group-size` and `--reopen-after-rows` set the DuckDB warehouse's (see DuckDbWarehouseOptions),
 * to soak a candidate default.
 */
import { parseDuration, parsePositiveInt } from '../src/cli/command-context.js';
import { writeFileSync } from 'node:fs';
import { runSoak } from './soak-run.js';
import { memoryTrend, perMinuteMedians } from './soak-trend.js';

const P99_BOUND_MS = 2_000;

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const rate = Number(arg('rate', '5000'));
const durationMs = parseDuration('--duration', arg('duration', '10m'));
const jsonPath = arg('json', '');
const snapshots = arg('heap-snapshots', '');
const warehouseWrites = !process.argv.includes('--no-warehouse-writes');
const checkpointThreshold = arg('checkpoint-threshold', '') || undefined;
const rowsArg = (name: string): number | undefined => {
  const raw = arg(name, '');
  return raw ? parsePositiveInt(`--${name}`, raw) : undefined;
};
const rowGroupSize = rowsArg('row-group-size');
const reopenAfterRows = rowsArg('reopen-after-rows');
const heapSnapshotsAtMs = snapshots
  ? snapshots.split(',').map((d) => parseDuration('--heap-snapshots', d))
  : [];

const columns = [
  ['t(s)', 7],
  ['published/s', 11],
  ['durable/s', 9],
  ['p50(ms)', 8],
  ['p99(ms)', 7],
  ['backlog', 7],
  ['rss(MB)', 7],
  ['heap(MB)', 8],
  ['heapTotal', 9],
  ['external', 8],
  ['arrayBuf', 8],
  ['duckdb', 6],
] as const;
const row = (values: readonly (string | number)[]): string =>
  values.map((v, i) => String(v).padStart(columns[i]![1])).join('  ') + '\n';

process.stdout.write(
  `soak: ${rate} events/s for ${durationMs / 1000} s through generator → embedded bus → pipeline (lake + ${warehouseWrites ? 'DuckDB' : 'a warehouse that writes nothing'}) + archiver` +
    ` (DuckDB checkpoint threshold ${checkpointThreshold ?? 'default'}, row group size ${rowGroupSize ?? 'default'}, reopen after ${reopenAfterRows ?? 'default'} rows)\n`,
);
process.stdout.write(row(columns.map(([name]) => name)));
const result = await runSoak({
  rate,
  warehouseWrites,
  durationMs,
  duckDb: { checkpointThreshold, rowGroupSize, reopenAfterRows },
  heapSnapshotsAtMs,
  snapshotDir: arg('snapshot-dir', '.'),
  onSnapshot: (path) => process.stdout.write(`heap snapshot ${path}\n`),
  onSample: (s) =>
    process.stdout.write(
      row([
        s.t,
        s.publishedPerSecond,
        s.durablePerSecond,
        s.p50Ms,
        s.p99Ms,
        s.backlog,
        s.rssMb,
        s.heapMb,
        s.heapTotalMb,
        s.externalMb,
        s.arrayBuffersMb,
        s.duckDbMb,
      ]),
    ),
});

const minutes = perMinuteMedians(result.samples, durationMs / 1000);
const trend = memoryTrend(minutes);
const latencyOk = result.p99Ms <= P99_BOUND_MS;
process.stdout.write('\nper-minute medians (MB)\n minute      rss     heap  heapTotal  external   duckdb\n');
for (const m of minutes)
  process.stdout.write(
    [m.minute, m.rssMb, m.heapMb, m.heapTotalMb, m.externalMb, m.duckDbMb]
      .map((v, i) => String(v).padStart([7, 8, 8, 10, 9, 8][i]!))
      .join(' ') + '\n',
  );
const slope = (mbPerMin: number): string => `${mbPerMin >= 0 ? '+' : ''}${mbPerMin.toFixed(2)} MB/min`;
process.stdout.write(
  `\nslopes (least squares, minutes ${trend.fromMinute}–${trend.toMinute}): rss ${slope(trend.rssSlopeMbPerMin)}, heap ${slope(trend.heapSlopeMbPerMin)} (bound ≤ ${trend.boundMbPerMin} MB/min): ${trend.flat ? 'PASS' : 'FAIL'}\n`,
);
process.stdout.write(
  `  (diagnostic, not the verdict: the slope of each minute's lowest RSS sample ${slope(trend.rssLowSlopeMbPerMin)})\n`,
);
process.stdout.write(`p99 ${result.p99Ms} ms (bound ≤ ${P99_BOUND_MS} ms): ${latencyOk ? 'PASS' : 'FAIL'}\n`);
const { samples, ...summary } = result;
process.stdout.write(`summary ${JSON.stringify({ ...summary, trend })}\n`);
if (jsonPath)
  writeFileSync(
    jsonPath,
    JSON.stringify(
      {
        rate,
        durationMs,
        warehouseWrites,
        checkpointThreshold,
        rowGroupSize,
        reopenAfterRows,
        date: new Date().toISOString(),
        summary,
        trend,
        minutes,
        samples,
      },
      null,
      1,
    ),
  );
process.exitCode = trend.flat && latencyOk ? 0 : 1;
