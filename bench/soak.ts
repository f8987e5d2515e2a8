/**
 * The soak test: `npx tsx bench/soak.ts [--rate 5000] [--duration 10m]`. Runs the whole local system at
 * a fixed rate and prints a line per sample (throughput, latency p50/p99, backlog, RSS), then a summary.
 * The figures that matter: memory flat, backlog bounded, p99 ≤ 2 s at 5,000 events/s.
 */
import { parseDuration } from '../src/cli/command-context.js';
import { runSoak } from './soak-run.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const rate = Number(arg('rate', '5000'));
const durationMs = parseDuration('--duration', arg('duration', '10m'));
process.stdout.write(
  `soak: ${rate} events/s for ${durationMs / 1000} s through generator → embedded bus → pipeline (lake + DuckDB) + archiver\n`,
);
process.stdout.write('   t(s)  published/s  durable/s   p50(ms)  p99(ms)  backlog  rss(MB)  heap(MB)\n');
const result = await runSoak({
  rate,
  durationMs,
  onSample: (s) =>
    process.stdout.write(
      `${String(s.t).padStart(7)}  ${String(s.publishedPerSecond).padStart(11)}  ${String(s.durablePerSecond).padStart(9)}  ${String(s.p50Ms).padStart(8)}  ${String(s.p99Ms).padStart(7)}  ${String(s.backlog).padStart(7)}  ${String(s.rssMb).padStart(7)}  ${String(s.heapMb).padStart(8)}\n`,
    ),
});
const { samples: _samples, ...summary } = result;
process.stdout.write(`summary ${JSON.stringify(summary)}\n`);
