/**
 * End-to-end latency (publish → durable in lake + DuckDB, acked) at 5,000 events/s through the whole
 * local system, over BENCH_LATENCY_SECONDS (default 60). Target: p99 ≤ 2 s. See bench/soak.ts for the
 * 10-minute run.
 */
import { median, printResult, runsFromEnv } from './bench-result.js';
import { runSoak } from './soak-run.js';

const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 60);
const runs = runsFromEnv(3);
const results = [];
for (let i = 0; i < runs; i++) {
  const r = await runSoak({ rate: 5_000, durationMs: seconds * 1000 });
  process.stderr.write(
    `run ${i + 1}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max backlog ${r.maxBacklog}, peak RSS ${r.peakRssMb} MB, durable ${r.durable}/${r.published}\n`,
  );
  results.push(r);
}
printResult({
  name: 'latency-p99-5k',
  description: `end-to-end latency p99 at 5,000 events/s for ${seconds} s (generator process → embedded bus → pipeline: lake + DuckDB → ack)`,
  value: median(results.map((r) => r.p99Ms)),
  unit: 'ms',
  runs: results.map((r) => r.p99Ms),
  target: '≤ 2,000 ms',
  extra: {
    'p50 ms (median)': median(results.map((r) => r.p50Ms)),
    'max backlog (median)': median(results.map((r) => r.maxBacklog)),
    'peak RSS MB (median)': median(results.map((r) => r.peakRssMb)),
  },
});
