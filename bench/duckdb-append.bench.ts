/**
 * How fast DuckDbWarehouse.append writes realistic rows, per table (issue 5 aims at ≥ 300,000 rows/s).
 *
 *   npx tsx bench/duckdb-append.bench.ts [rows]      (default 100000 rows per table; BENCH_COUNT,
 *                                                     BENCH_RUNS (default 3), BENCH_BATCH (default 10000))
 *
 * Rows come from the traffic generator through the real contract (bytes → MessageChecker → rowOf):
 * nested orders with their items, stock movements, user activity with real User-Agents. A pool of
 * distinct events per table is cycled with fresh event_ids up to `rows`. Each run opens a fresh
 * database file, creates the model (ensureSchema), then times `append(table, batch)` for every batch
 * of BENCH_BATCH rows until the last one resolved (committed), table after table.
 *
 * Two more figures per table, same rows, same run, to show where the time goes:
 * - baseline `read_json`: DuckDB alone inserting the same rows from an NDJSON file written beforehand
 *   (the engine's part of append(), with no JavaScript);
 * - alternative `appender`: the DuckDB Appender fed DataChunks of converted values (nested STRUCT and
 *   LIST values, exact decimals, microsecond timestamps), the other way append() could have worked.
 * Prints progress on stderr and one `BENCH {…}` JSON line per figure (median of the runs) on stdout.
 */
import {
  DuckDBDataChunk,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  listValue,
  structValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChecker } from '../src/contract/message-checker.js';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { duckDbSchemaStatements, duckDbString, duckDbType } from '../src/warehouse/dialects/duckdb-ddl.js';
import { DuckDbWarehouse } from '../src/warehouse/duckdb/duckdb-warehouse.js';
import { ndjson } from '../src/warehouse/ndjson.js';
import type { Column } from '../src/warehouse/model/table-model.js';
import { tableNamed } from '../src/warehouse/model/tables.js';
import { TABLE_OF_TYPE, rowOf, type EventTableName, type RowOf } from '../src/warehouse/rows.js';
import { median, printResult, runsFromEnv } from './bench-result.js';

const count = Number(process.argv[2] ?? process.env.BENCH_COUNT ?? 100_000);
const runs = runsFromEnv(3);
const batch = Number(process.env.BENCH_BATCH ?? 10_000);
const POOL = Math.min(count, 20_000);
const TABLES: readonly EventTableName[] = ['orders', 'inventory', 'user_activity'];

// Rows through the real contract, POOL distinct ones per table, then cycled with fresh event_ids.
const checker = new MessageChecker();
const generator = new TrafficGenerator({
  profile: 'shop',
  seed: 7,
  universe: buildReferenceUniverse({ seed: 42 }),
});
const pools: Record<EventTableName, RowOf<EventTableName>[]> = {
  orders: [],
  inventory: [],
  user_activity: [],
};
const now = new Date().toISOString();
while (TABLES.some((t) => pools[t].length < POOL)) {
  const checked = checker.check(generator.next().data);
  if (!checked.ok) continue;
  const pool = pools[TABLE_OF_TYPE[checked.eventType]];
  if (pool.length < POOL) pool.push(rowOf(checked, now, now));
}
const rowsOf = (table: EventTableName): RowOf<EventTableName>[] =>
  Array.from({ length: count }, (_, i) => ({
    ...pools[table][i % POOL]!,
    event_id: i.toString(16).padStart(32, '0'),
  }));
const bytesPerRow = (table: EventTableName) => Math.round(ndjson(pools[table].slice(0, 1000)).length / 1000);
process.stderr.write(
  `rows per table: ${count} (pool ${POOL}), batches of ${batch}; NDJSON bytes per row: ${TABLES.map((t) => `${t} ${bytesPerRow(t)}`).join(', ')}\n`,
);

/**
 * Seconds to append every row of `table` in batches, in a fresh database; and with the CHECKPOINT
 * that follows (DuckDB compresses the WAL's rows into the file every 16 MB of WAL, or at close: work
 * that sustained appends pay too, so it is reported beside the headline figure).
 */
async function appendSeconds(
  table: EventTableName,
  rows: readonly RowOf<EventTableName>[],
): Promise<{ append: number; withCheckpoint: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-duckdb-append-'));
  const path = join(dir, 'warehouse.duckdb');
  const warehouse = new DuckDbWarehouse({ uri: `duckdb:${path}`, path });
  try {
    await warehouse.start();
    await warehouse.ensureSchema();
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batch) await warehouse.append(table, rows.slice(i, i + batch));
    const append = (performance.now() - started) / 1000;
    await warehouse.query('CHECKPOINT');
    const withCheckpoint = (performance.now() - started) / 1000;
    const { rows: counted } = await warehouse.query(`SELECT count(*) AS n FROM ${table}`);
    if (counted[0]?.n !== rows.length)
      throw new Error(`${table}: ${String(counted[0]?.n)} rows, expected ${rows.length}`);
    return { append, withCheckpoint };
  } finally {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Opens a fresh database with the model's tables, for the two comparison figures. */
async function freshDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-duckdb-raw-'));
  const instance = await DuckDBInstance.create(join(dir, 'warehouse.duckdb'));
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  for (const statement of duckDbSchemaStatements()) await connection.run(statement);
  const close = () => {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, connection, close };
}

/** Seconds for DuckDB alone to insert the rows from NDJSON files written beforehand (untimed). */
async function readJsonSeconds(
  table: EventTableName,
  rows: readonly RowOf<EventTableName>[],
): Promise<number> {
  const { dir, connection, close } = await freshDatabase();
  try {
    const model = tableNamed(table);
    const files: string[] = [];
    for (let i = 0; i < rows.length; i += batch) {
      files.push(join(dir, `batch-${files.length}.ndjson`));
      writeFileSync(files.at(-1)!, ndjson(rows.slice(i, i + batch)));
    }
    const names = model.columns.map((c) => c.name).join(', ');
    const types = model.columns
      .map((c) => `${duckDbString(c.name)}: ${duckDbString(duckDbType(c))}`)
      .join(', ');
    const started = performance.now();
    for (const file of files)
      await connection.run(
        `INSERT INTO ${table} (${names}) SELECT ${names} FROM read_json(${duckDbString(file)}, format = 'newline_delimited', columns = {${types}}, auto_detect = false)`,
      );
    return (performance.now() - started) / 1000;
  } finally {
    close();
  }
}

/** A JS row value as the DuckDB value the Appender takes for the column. */
function duckValue(column: Column, value: unknown): DuckDBValue {
  if (value === null || value === undefined) return null;
  if (column.mode === 'REPEATED')
    return listValue((value as unknown[]).map((v) => duckValue({ ...column, mode: 'REQUIRED' }, v)));
  switch (column.type) {
    case 'STRUCT': {
      const entries: Record<string, DuckDBValue> = {};
      for (const field of column.fields ?? [])
        entries[field.name] = duckValue(field, (value as Record<string, unknown>)[field.name]);
      return structValue(entries);
    }
    case 'INT64':
      return BigInt(value as number);
    case 'NUMERIC': {
      // Exact: from the number's shortest decimal text, scaled to DECIMAL(38,9).
      const [whole = '0', fraction = ''] = String(value).split('.');
      return new DuckDBDecimalValue(BigInt(whole + fraction.padEnd(9, '0').slice(0, 9)), 38, 9);
    }
    case 'TIMESTAMP': {
      const text = value as string;
      const micros = /\.\d{4,6}/.exec(text)?.[0].slice(4).padEnd(3, '0') ?? '000';
      return new DuckDBTimestampTZValue(BigInt(Date.parse(text)) * 1000n + BigInt(micros));
    }
    default:
      return value as DuckDBValue;
  }
}

/** Seconds to append the rows through the Appender, a DataChunk per 2,048 rows, flushed per batch. */
async function appenderSeconds(
  table: EventTableName,
  rows: readonly RowOf<EventTableName>[],
): Promise<number> {
  const { connection, close } = await freshDatabase();
  try {
    const model = tableNamed(table);
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batch) {
      const appender = await connection.createAppender(table);
      const types = Array.from({ length: appender.columnCount }, (_, c) => appender.columnType(c));
      const part = rows.slice(i, i + batch);
      for (let j = 0; j < part.length; j += 2048) {
        const chunk = DuckDBDataChunk.create(types);
        chunk.setRows(
          part
            .slice(j, j + 2048)
            .map((row) =>
              model.columns.map((c) => duckValue(c, (row as unknown as Record<string, unknown>)[c.name])),
            ),
        );
        appender.appendDataChunk(chunk);
      }
      appender.closeSync(); // flushes and commits, like append() resolving
    }
    return (performance.now() - started) / 1000;
  } finally {
    close();
  }
}

for (const table of TABLES) {
  const rows = rowsOf(table);
  const measured = {
    append: [] as number[],
    withCheckpoint: [] as number[],
    readJson: [] as number[],
    appender: [] as number[],
  };
  for (let run = 0; run < runs; run++) {
    const seconds = await appendSeconds(table, rows);
    measured.append.push(count / seconds.append);
    measured.withCheckpoint.push(count / seconds.withCheckpoint);
    measured.readJson.push(count / (await readJsonSeconds(table, rows)));
    measured.appender.push(count / (await appenderSeconds(table, rows)));
    process.stderr.write(
      `${table} run ${run + 1}/${runs}: append ${Math.round(measured.append.at(-1)!)} rows/s (${Math.round(measured.withCheckpoint.at(-1)!)} with the checkpoint), read_json ${Math.round(measured.readJson.at(-1)!)}, appender ${Math.round(measured.appender.at(-1)!)}\n`,
    );
  }
  const round = (values: number[]) => values.map(Math.round);
  printResult({
    name: `duckdb-append-${table}`,
    description: `DuckDbWarehouse.append('${table}') of realistic rows in batches of ${batch}, until committed (fresh file per run)`,
    value: Math.round(median(measured.append)),
    unit: 'rows/s',
    runs: round(measured.append),
    target: '≥ 300000',
    baseline: {
      name: 'DuckDB read_json INSERT of the same rows from files written beforehand',
      value: Math.round(median(measured.readJson)),
      unit: 'rows/s',
    },
    extra: {
      rows: count,
      batch,
      ndjsonBytesPerRow: bytesPerRow(table),
      withFinalCheckpointRowsPerSecond: Math.round(median(measured.withCheckpoint)),
    },
  });
  printResult({
    name: `duckdb-append-${table}-appender`,
    description: `the alternative: DuckDB Appender with DataChunks of converted values, same rows and batches (${table})`,
    value: Math.round(median(measured.appender)),
    unit: 'rows/s',
    runs: round(measured.appender),
  });
}
