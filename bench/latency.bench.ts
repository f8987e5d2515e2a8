/**
 * End-to-end latency (publish → durable in lake + DuckDB, acked) through the whole local system, the
 * generator in its own process, over BENCH_LATENCY_SECONDS (default 60) per run:
 * - at 5,000 events/s, a busy stream: target p99 ≤ 500 ms;
 * - at 200 events/s, the `npm start` rate, a quiet stream that must not wait for a batch's max age:
 *   target p50 ≤ 150 ms.
 * See bench/soak.ts for the 30-minute run.
 */
import { median, printResult, runsFromEnv } from './bench-result.js';
import { runSoak } from './soak-run.js';

const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 60);
const runs = runsFromEnv(3);

for (const { rate, name, target, headline } of [
  { rate: 5_000, name: 'latency-p99-5k', target: '≤ 500 ms', headline: 'p99' as const },
  { rate: 200, name: 'latency-p50-200', target: '≤ 150 ms', headline: 'p50' as const },
]) {
  const results: Awaited<ReturnType<typeof runSoak>>[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runSoak({ rate, durationMs: seconds * 1000 });
    process.stderr.write(
      `${rate}/s run ${i + 1}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max backlog ${r.maxBacklog}, peak RSS ${r.peakRssMb} MB, durable ${r.durable}/${r.published}\n`,
    );
    results.push(r);
  }
  const headlineOf = (r: (typeof results)[number]): number => (headline === 'p99' ? r.p99Ms : r.p50Ms);
  printResult({
    name,
    description: `end-to-end latency ${headline} at ${rate.toLocaleString('en-US')} events/s for ${seconds} s (generator process → embedded bus → pipeline: lake + DuckDB → ack)`,
    value: median(results.map(headlineOf)),
    unit: 'ms',
    runs: results.map(headlineOf),
    target,
    extra: {
      [`${headline === 'p99' ? 'p50' : 'p99'} ms (median)`]: median(
        results.map((r) => (headline === 'p99' ? r.p50Ms : r.p99Ms)),
      ),
      'max backlog (median)': median(results.map((r) => r.maxBacklog)),
      'peak RSS MB (median)': median(results.map((r) => r.peakRssMb)),
    },
  });
}
