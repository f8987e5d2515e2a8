/**
 * The whole local system under a steady load: the generator at a fixed rate in its own process
 * (`shopstream generate --rate`, as producers are in a real deployment), and the pipeline and history
 * archiver in this one, sampled every few seconds: throughput, end-to-end latency (publish → durable)
 * p50/p99, backlog and this process's memory. Used by bench/soak.ts (minutes) and
 * bench/latency.bench.ts.
 */
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { archiverFromConfig } from '../src/archive/run-archiver-process.js';
import { openBus } from '../src/bus/open-bus.js';
import { openLake } from '../src/lake/open-lake.js';
import { pipelineFromConfig } from '../src/pipeline/pipeline-service.js';
import { startNativeMemoryTrim } from '../src/runtime/native-memory-trim.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { Telemetry } from '../src/telemetry/telemetry.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import { openWarehouse, type OpenWarehouseOptions } from '../src/warehouse/open-warehouse.js';
import { ALL_WRITTEN, type Warehouse } from '../src/warehouse/warehouse.js';
import { createLocalStack } from '../test/support/local-stack.js';
import { startCli } from '../test/support/run-cli.js';

export interface SoakSample {
  /** Seconds since the start. */
  readonly t: number;
  readonly publishedPerSecond: number;
  readonly durablePerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly backlog: number;
  /** This process's resident set: every thread's heap, native memory (DuckDB, SQLite), code. */
  readonly rssMb: number;
  /** The main thread's JS heap in use (`heapUsed`); a worker thread's heap is in RSS only. */
  readonly heapMb: number;
  /** The main thread's JS heap as reserved from the OS (`heapTotal`). */
  readonly heapTotalMb: number;
  /** Memory of C++ objects bound to the main thread's JS objects (`external`, Buffers included). */
  readonly externalMb: number;
  /** Of which Buffers and ArrayBuffers (`arrayBuffers`). */
  readonly arrayBuffersMb: number;
  /** What DuckDB's buffer manager holds (`duckdb_memory()`), native memory inside RSS. */
  readonly duckDbMb: number;
}

export interface SoakResult {
  readonly samples: SoakSample[];
  readonly published: number;
  readonly durable: number;
  readonly deadLettered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxBacklog: number;
  /** RSS at the end of the first and the last quarter of the run, to show memory stays flat. */
  readonly rssFirstQuarterMb: number;
  readonly rssLastQuarterMb: number;
  readonly peakRssMb: number;
  /** How often the DuckDB warehouse closed and opened its database after reopenAfterRows rows. */
  readonly warehouseReopens: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Bytes DuckDB's buffer manager holds, by its own account (NaN when it cannot tell). */
async function duckDbBytes(warehouse: Warehouse): Promise<number> {
  try {
    const { rows } = await warehouse.query('SELECT sum(memory_usage_bytes) AS bytes FROM duckdb_memory()');
    return Number(rows[0]?.bytes);
  } catch {
    return NaN;
  }
}

/**
 * The warehouse with appends that write nothing and succeed, for a diagnostic run that takes DuckDB's
 * share out of the memory figures (`bench/soak.ts --no-warehouse-writes`); queries still reach it.
 */
function withoutWrites(warehouse: Warehouse): Warehouse {
  const discard = new Set<PropertyKey>(['append', 'appendNdjson', 'appendEncoded', 'appendErrors']);
  return new Proxy(warehouse, {
    get(target, key) {
      if (discard.has(key)) return () => Promise.resolve(ALL_WRITTEN);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function runSoak(options: {
  rate: number;
  /** False: the warehouse's appends write nothing (see withoutWrites). Default true. */
  warehouseWrites?: boolean;
  durationMs: number;
  sampleMs?: number;
  invalidRatio?: number;
  onSample?: (s: SoakSample) => void;
  /** Writes a heap snapshot of the main thread this long after the start, each into `snapshotDir`. */
  heapSnapshotsAtMs?: readonly number[];
  snapshotDir?: string;
  onSnapshot?: (path: string, atMs: number) => void;
  /** The DuckDB warehouse's checkpoint threshold, row group size and reopens; default its own. */
  duckDb?: OpenWarehouseOptions['duckDb'];
}): Promise<SoakResult> {
  const sampleMs = options.sampleMs ?? 5_000;
  const stack = await createLocalStack();
  const telemetry = new Telemetry();
  const [bus, lake, archive, warehouse] = await Promise.all([
    openBus(stack.config.bus),
    openLake(stack.config.lake),
    openLake(stack.config.archive),
    openWarehouse(stack.config.warehouse, { duckDb: options.duckDb }),
  ]);
  await Promise.all([bus.start(), lake.start(), archive.start(), warehouse.start()]);
  const pipeline = pipelineFromConfig(stack.config, {
    bus,
    lake,
    warehouse: options.warehouseWrites === false ? withoutWrites(warehouse) : warehouse,
    telemetry,
    logger: silentLogger,
  });
  const archiver = archiverFromConfig(stack.config, { bus, archive, telemetry, logger: silentLogger });
  let windowLatencies: number[] = [];
  // The whole run's latencies in a fixed-size histogram (3 significant digits), not a list: a list
  // of every event's latency grows the heap by 2.4 MB a minute at 5,000 events/s, which was the main
  // thread's heap rise earlier soaks showed (docs/soak.md, "What was found and fixed").
  const allLatencies = createHistogram();
  let windowDurable = 0;
  let windowPublished = 0;
  let published = 0;
  telemetry.on('events:durable', ({ count, latenciesMs }) => {
    windowDurable += count;
    for (const ms of latenciesMs) windowLatencies.push(ms);
  });
  let windowDeadLettered = 0;
  telemetry.on('messages:dead-lettered', ({ count }) => (windowDeadLettered += count));
  let lastBacklog = 0;
  const samples: SoakSample[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    void Promise.all([bus.describeSubscription(stack.config.subscription), duckDbBytes(warehouse)]).then(
      ([info, duckDb]) => {
        // Published in the window = processed in it + how much the backlog grew.
        const backlog = info.backlog ?? 0;
        windowPublished = windowDurable + windowDeadLettered + backlog - lastBacklog;
        lastBacklog = backlog;
        const sorted = windowLatencies.sort((a, b) => a - b);
        for (const ms of sorted) allLatencies.record(Math.max(1, Math.round(ms)));
        const memory = process.memoryUsage();
        const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
        const sample: SoakSample = {
          t: Math.round((Date.now() - started) / 1000),
          publishedPerSecond: Math.round((windowPublished * 1000) / sampleMs),
          durablePerSecond: Math.round((windowDurable * 1000) / sampleMs),
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          backlog,
          rssMb: mb(memory.rss),
          heapMb: mb(memory.heapUsed),
          heapTotalMb: mb(memory.heapTotal),
          externalMb: mb(memory.external),
          arrayBuffersMb: mb(memory.arrayBuffers),
          duckDbMb: mb(duckDb),
        };
        windowLatencies = [];
        windowDurable = 0;
        windowDeadLettered = 0;
        samples.push(sample);
        options.onSample?.(sample);
      },
    );
  }, sampleMs);
  const snapshotTimers = (options.heapSnapshotsAtMs ?? []).map((atMs) =>
    setTimeout(() => {
      const path = writeHeapSnapshot(
        join(options.snapshotDir ?? '.', `soak-${Math.round(atMs / 1000)}s.heapsnapshot`),
      );
      options.onSnapshot?.(path, atMs);
    }, atMs),
  );
  // As `up` and `pipeline run` do (see startNativeMemoryTrim).
  const stopTrimming = startNativeMemoryTrim();
  try {
    await pipeline.start();
    await archiver.start();
    const generator = startCli([
      ...stack.flags,
      'generate',
      '--profile',
      'shop',
      '--rate',
      String(options.rate),
      '--duration',
      `${Math.round(options.durationMs)}ms`,
      '--invalid-ratio',
      String(options.invalidRatio ?? 0.01),
    ]);
    const generated = await generator.done;
    if (generated.code !== 0) throw new Error(`shopstream generate failed: ${generated.stderr}`);
    published = Number(/generate: ([\d,]+) messages/.exec(generated.stderr)?.[1]?.replaceAll(',', '') ?? NaN);
    await pipeline.drained();
  } finally {
    clearInterval(sampler);
    stopTrimming();
    for (const timer of snapshotTimers) clearTimeout(timer);
    await pipeline.close();
    await archiver.close();
    await Promise.allSettled([bus.close(), lake.close(), archive.close(), warehouse.close()]);
    stack.remove();
  }
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  return {
    samples,
    published,
    durable: pipeline.stats.accepted,
    deadLettered: pipeline.stats.deadLettered,
    p50Ms: allLatencies.count > 0 ? allLatencies.percentile(50) : 0,
    p99Ms: allLatencies.count > 0 ? allLatencies.percentile(99) : 0,
    maxBacklog: Math.max(0, ...samples.map((s) => s.backlog)),
    rssFirstQuarterMb: samples[quarter - 1]?.rssMb ?? 0,
    rssLastQuarterMb: samples[samples.length - 1]?.rssMb ?? 0,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    warehouseReopens: warehouse instanceof DuckDbWarehouse ? warehouse.plannedReopens : 0,
  };
}
