/**
 * One benchmark figure. Every bench script prints each of its figures as one JSON line
 * (`printResult`), and `npm run bench` (bench/run-all.ts) gathers them into docs/benchmarks.md.
 */
export interface BenchResult {
  /** Stable id, e.g. `pipeline-drain-embedded`. */
  readonly name: string;
  /** What was measured, for the report. */
  readonly description: string;
  /** The median over `runs` repetitions. */
  readonly value: number;
  readonly unit: string;
  /** Each repetition's value. */
  readonly runs: readonly number[];
  /** The target, where one is named, e.g. `≥ 100000`. */
  readonly target?: string;
  /** A baseline measured in the same run (a bare JSON parse loop, DuckDB's read_json, the bare Pub/Sub subscriber). */
  readonly baseline?: { readonly name: string; readonly value: number; readonly unit: string };
  /** Anything else worth reporting (peak RSS, sizes). */
  readonly extra?: Readonly<Record<string, string | number>>;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function printResult(result: BenchResult): void {
  process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
}

/** Repetitions: `BENCH_RUNS` (default `fallback`). */
export function runsFromEnv(fallback = 3): number {
  const n = Number(process.env.BENCH_RUNS ?? fallback);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
