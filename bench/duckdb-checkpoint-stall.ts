/**
 * How long DuckDB's checkpoints hold the warehouse's appends: the diagnostic behind the soak's p99
 * (docs/soak.md). `npx tsx bench/duckdb-checkpoint-stall.ts [--rows 1500000]
 * [--checkpoint-threshold 256MB] [--memory-limit 64MB] [--threads 1] [--row-group-size 122880]`.
 *
 * Appends the soak's event mix (the `shop` profile through the real contract) to a fresh database
 * through DuckDbWarehouse, in rounds of 2,500 events, one append per table per round, as fast as
 * it goes. A round that triggers an automatic checkpoint waits for it, so the slow rounds are the
 * checkpoints. Prints events/s, the median and longest round, the rounds over 1 s (with their index),
 * and then the wall and process CPU time of closing the database, which checkpoints what the WAL
 * still holds: with `--checkpoint-threshold 100GB` there is no automatic checkpoint, and that last
 * one shows what writing all the rows into the file costs, and whether it waits on the disk or the CPU.
 * Last, what the open database held in native memory at the end: RSS before and after the close, each
 * after glibc handed its free pages back, less what DuckDB's buffer manager reports for its own pool —
 * the rest is what a long-lived warehouse keeps per stored row (or row group) as it grows.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePositiveInt } from '../src/cli/command-context.js';
import { MessageChecker } from '../src/contract/message-checker.js';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import { TABLE_OF_TYPE, rowOf, type EventTableName, type RowOf } from '../src/warehouse/rows.js';
import { median } from './bench-result.js';
import { procCpuSeconds } from './proc-cpu.js';
import { trimNativeMemory } from '../src/runtime/native-memory-trim.js';

const ROUND = 2_500;
const SLOW_MS = 1_000;

// The CLI's own parser, its message handed to commander, which prints it and exits 1.
const positiveInt =
  (flag: string) =>
  (raw: string): number => {
    try {
      return parsePositiveInt(flag, raw);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
const options = new Command()
  .addOption(new Option('--rows <n>', 'events to append').default(1_500_000).argParser(positiveInt('--rows')))
  .option('--checkpoint-threshold <size>', "DuckDB's checkpoint_threshold", '256MB')
  .option('--memory-limit <size>', "DuckDB's memory_limit", '64MB')
  .addOption(new Option('--threads <n>', "DuckDB's threads").default(1).argParser(positiveInt('--threads')))
  .addOption(
    new Option('--row-group-size <n>', "rows per row group (DuckDB's default 122,880)").argParser(
      positiveInt('--row-group-size'),
    ),
  )
  .parse()
  .opts<{
    rows: number;
    checkpointThreshold: string;
    memoryLimit: string;
    threads: number;
    rowGroupSize?: number;
  }>();

const dir = mkdtempSync(join(tmpdir(), 'shopstream-checkpoint-'));
const warehouse = new DuckDbWarehouse({
  uri: 'duckdb:checkpoint-stall',
  path: join(dir, 'warehouse.duckdb'),
  checkpointThreshold: options.checkpointThreshold,
  memoryLimit: options.memoryLimit,
  threads: options.threads,
  rowGroupSize: options.rowGroupSize,
});
try {
  await warehouse.start();
} catch (error) {
  // The sizes go to DuckDB as they are; it is the one to refuse a bad one.
  const engine = (error as { cause?: Error }).cause?.message ?? String(error);
  process.stderr.write(
    `DuckDB refused --checkpoint-threshold ${options.checkpointThreshold} or --memory-limit ${options.memoryLimit} (a size such as 256MB or 1GB): ${engine}\n`,
  );
  process.exit(1);
}
await warehouse.ensureSchema();

const checker = new MessageChecker();
const generator = new TrafficGenerator({
  profile: 'shop',
  seed: 7,
  universe: buildReferenceUniverse({ seed: 42 }),
});
const now = new Date().toISOString();
const roundOfRows = (): Map<EventTableName, RowOf<EventTableName>[]> => {
  const byTable = new Map<EventTableName, RowOf<EventTableName>[]>();
  for (let i = 0; i < ROUND; i++) {
    const checked = checker.check(generator.next().data);
    if (!checked.ok) continue;
    const table = TABLE_OF_TYPE[checked.eventType];
    const rows = byTable.get(table) ?? [];
    rows.push(rowOf(checked, now, now));
    byTable.set(table, rows);
  }
  return byTable;
};

const roundMs: number[] = [];
const started = performance.now();
for (let done = 0; done < options.rows; done += ROUND) {
  const byTable = roundOfRows();
  const roundStarted = performance.now();
  for (const [table, rows] of byTable) await warehouse.append(table, rows);
  roundMs.push(performance.now() - roundStarted);
  if (roundMs.length % 100 === 0) process.stderr.write(`${done + ROUND} events\r`);
}
const seconds = (performance.now() - started) / 1000;

const rssAfterTrimMb = async (): Promise<number> => {
  await trimNativeMemory();
  return process.memoryUsage().rss / 1e6;
};
const { rows: pool } = await warehouse.query('SELECT sum(memory_usage_bytes) AS bytes FROM duckdb_memory()');
const poolMb = Number(pool[0]!.bytes) / 1e6;
const openRssMb = await rssAfterTrimMb();

// Closing the database checkpoints what the WAL still holds.
const cpuBefore = procCpuSeconds('self');
const closeStarted = performance.now();
await warehouse.close();
const checkpoint = {
  wallMs: performance.now() - closeStarted,
  cpuMs: (procCpuSeconds('self') - cpuBefore) * 1000,
};
const heldMb = openRssMb - (await rssAfterTrimMb());

const slow = roundMs.flatMap((ms, i) => (ms > SLOW_MS ? [`#${i} ${Math.round(ms)} ms`] : []));
process.stdout.write(
  `${options.rows} events (checkpoint_threshold ${options.checkpointThreshold}, memory_limit ${options.memoryLimit}, threads ${options.threads}, row group ${options.rowGroupSize ?? 'default'}): ` +
    `${Math.round(options.rows / seconds)} events/s, round of ${ROUND} median ${Math.round(median(roundMs))} ms, ` +
    `longest ${Math.round(Math.max(...roundMs))} ms, ${slow.length} over ${SLOW_MS} ms${slow.length ? ` (${slow.join(', ')})` : ''}\n` +
    `close (its checkpoint of the WAL's rest): wall ${Math.round(checkpoint.wallMs)} ms, process CPU ${Math.round(checkpoint.cpuMs)} ms; ` +
    `file ${Math.round(statSync(join(dir, 'warehouse.duckdb')).size / 1e6)} MB\n` +
    `native memory the open database held at the end: ${Math.round(heldMb)} MB, ${Math.round(poolMb)} MB of it its buffer pool, ` +
    `${Math.round(heldMb - poolMb)} MB the rest\n`,
);
rmSync(dir, { recursive: true, force: true });
