/**
 * How fast BigQueryWarehouse gets realistic rows through the Storage Write API, per table, against
 * the local BigQuery protocol server (test/support/fake-bigquery-server.ts).
 *
 *   npx tsx bench/bigquery-append.bench.ts [rows]   (default 100000 rows per table; BENCH_COUNT,
 *                                                   BENCH_RUNS (default 3), BENCH_BATCH (default 5000))
 *
 * What it measures: shopstream's side of an append until the local server, running in its own
 * process (test/support/fake-bigquery/serve.ts), has decoded, checked and acknowledged every row. It is
 * not BigQuery's throughput (the service's latency and limits are not here); it shows the client's
 * cost per row, which bounds one worker's rate. On a two-core machine the server competes for the
 * cores. Events come from the traffic generator; each run appends to a fresh dataset in batches of
 * BENCH_BATCH rows, and checks the server stored them all (after one warm-up batch through both
 * paths, not measured). Beside each prepared figure, the CPU time per row of this process and of the
 * server's. Two paths, same events:
 *
 * - `bigquery-append-prepared-<table>`, the pipeline's path: the batches' messages were checked and
 *   their rows laid out beforehand by the prepare workers (PreparePool, in the warehouse's
 *   rowEncoding: protobuf rows), and the figure is the adapter appending those prepared rows
 *   (BatchWriter's call) until acknowledged, with as many batches in flight as the pipeline writes at
 *   once (its default maxConcurrentFlushes): while the server decodes one request the client sends the
 *   next, as in the pipeline. Extras: the same one batch at a time, the workers' own rate (contract +
 *   encoding), and preparing and appending overlapped (batch n+1 prepared while batch n is appended).
 * - `bigquery-append-<table>`: BigQueryWarehouse.append() of row objects (rowOf), encoded on the
 *   main thread.
 *
 * Baseline, same rows, same run: protobuf encoding alone of the converted rows (storageRowOf, then
 * protobufjs with the table's descriptor: what the managed writer's JSONWriter does), no network, no
 * server, on the main thread. Prints progress on stderr and one `BENCH {…}` JSON line per figure
 * (median of the runs) on stdout.
 *
 * The script also runs on a tree from before issue 16, whose workers made NDJSON that the adapter
 * parsed again (appendNdjson): the prepared figure then says `ndjson` in `rowFormat`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { adapt } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor/index.js';
import { MessageChecker } from '../src/contract/message-checker.js';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { compilePipelineOptions } from '../src/pipeline/pipeline-options.js';
import { PreparePool, defaultPrepareWorkers } from '../src/pipeline/prepare-pool.js';
import type { PreparedBatch, TableRows } from '../src/pipeline/prepared-batch.js';
import { BigQueryWarehouse } from '../src/warehouse/bigquery/bigquery-warehouse.js';
import { tableFieldsOf } from '../src/warehouse/bigquery/model-resources.js';
import { storageRowOf } from '../src/warehouse/bigquery/storage-row.js';
import { TABLE_OF_TYPE, rowOf, type EventTableName, type RowOf } from '../src/warehouse/rows.js';
import { median, printResult, runsFromEnv } from './bench-result.js';
import { procCpuSeconds } from './proc-cpu.js';

// 100,000 rows: at 20,000 a run lasted a fraction of a second, and its ratio swung 72–101 %.
const count = Number(process.argv[2] ?? process.env.BENCH_COUNT ?? 100_000);
const runs = runsFromEnv(3);
const batch = Number(process.env.BENCH_BATCH ?? 5_000);
const POOL = Math.min(count, 5_000);
const TABLES: readonly EventTableName[] = ['orders', 'inventory', 'user_activity'];
/** How many batches the pipeline writes at once by default. */
const { maxConcurrentFlushes } = compilePipelineOptions({ subscription: 'bench' });
const PROJECT = 'bench-project';

const checker = new MessageChecker();
const generator = new TrafficGenerator({ seed: 7, universe: buildReferenceUniverse({ seed: 42 }) });
const pools: Record<EventTableName, { rows: RowOf<EventTableName>[]; payloads: Buffer[] }> = {
  orders: { rows: [], payloads: [] },
  inventory: { rows: [], payloads: [] },
  user_activity: { rows: [], payloads: [] },
};
const now = new Date();
while (TABLES.some((t) => pools[t].rows.length < POOL)) {
  const { data } = generator.next();
  const checked = checker.check(data);
  if (!checked.ok) continue;
  const pool = pools[TABLE_OF_TYPE[checked.eventType]];
  if (pool.rows.length >= POOL) continue;
  pool.rows.push(rowOf(checked, now.toISOString(), now.toISOString()));
  pool.payloads.push(data);
}
const rowsOf = (table: EventTableName): RowOf<EventTableName>[] =>
  Array.from({ length: count }, (_, i) => ({
    ...pools[table].rows[i % POOL]!,
    event_id: i.toString(16).padStart(32, '0'),
  }));
/** The same events as messages, in batches of `batch`, as the pipeline closes them. */
const batchesOf = (table: EventTableName): { data: Buffer; publishTime: Date }[][] => {
  const messages = Array.from({ length: count }, (_, i) => ({
    data: pools[table].payloads[i % POOL]!,
    publishTime: now,
  }));
  return Array.from({ length: Math.ceil(count / batch) }, (_, i) =>
    messages.slice(i * batch, (i + 1) * batch),
  );
};

// The server in its own process, so its decoding does not run on the client's event loop.
const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fake-bigquery/serve.ts', PROJECT], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [firstLine] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const server = JSON.parse(firstLine) as { restUrl: string; grpcEndpoint: string };

function warehouseOn(datasetId: string): BigQueryWarehouse {
  return new BigQueryWarehouse({
    uri: `bigquery:${PROJECT}.${datasetId}`,
    projectId: PROJECT,
    datasetId,
    apiEndpoint: server.restUrl,
    writeEndpoint: server.grpcEndpoint,
    credentials: 'none',
  });
}

interface TimedAppend {
  readonly seconds: number;
  /** CPU seconds of this process (main thread, gRPC, idle prepare workers) during the append. */
  readonly clientCpuSeconds: number;
  /** CPU seconds of the protocol server's process during the append. */
  readonly serverCpuSeconds: number;
}

/** How long `write` takes to append `rows` rows of `table` to a fresh dataset (the server counts them). */
async function timedAppend(
  table: EventTableName,
  rows: number,
  write: (warehouse: BigQueryWarehouse) => Promise<void>,
): Promise<TimedAppend> {
  const datasetId = `bench_${randomUUID().slice(0, 8)}`;
  const warehouse = warehouseOn(datasetId);
  try {
    await warehouse.ensureSchema();
    const cpuBefore = process.cpuUsage();
    const serverBefore = procCpuSeconds(child.pid!);
    const started = performance.now();
    await write(warehouse);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const timed = {
      seconds,
      clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
      serverCpuSeconds: procCpuSeconds(child.pid!) - serverBefore,
    };
    // The server counts its stored rows for this one query form (it is not a SQL engine).
    const { rows: counted } = await warehouse.query(`SELECT COUNT(*) AS n FROM ${table}`);
    if (counted[0]?.n !== rows) {
      throw new Error(`${table}: server stored ${String(counted[0]?.n)} rows, expected ${rows}`);
    }
    // The server keeps every row it stored, in its heap: without this, each run paid for the rows
    // of all the runs before it (100,000-row runs of orders fell 56 → 32 % of encoding over five;
    // with it they stayed at 56–93 %).
    const dropped = await fetch(
      `${server.restUrl}/bigquery/v2/projects/${PROJECT}/datasets/${datasetId}/tables/${table}`,
      { method: 'DELETE' },
    );
    if (!dropped.ok) throw new Error(`dropping ${datasetId}.${table} failed: HTTP ${dropped.status}`);
    return timed;
  } finally {
    await warehouse.close();
  }
}

/** What BatchWriter calls for a table's prepared rows. */
function appendPrepared(warehouse: BigQueryWarehouse, prepared: PreparedBatch): Promise<unknown> {
  return Promise.all(
    prepared.tables.map((rows: TableRows) =>
      'encoded' in rows
        ? warehouse.appendEncoded(rows.table, rows.encoded)
        : warehouse.appendNdjson(rows.table, rows.ndjson, rows.rows),
    ),
  );
}

/** Seconds for the library's protobuf encoding of the converted rows alone (what JSONWriter does). */
function encodeSeconds(table: EventTableName, rows: readonly RowOf<EventTableName>[]): number {
  const fields = tableFieldsOf(table);
  const descriptor = adapt.convertStorageSchemaToProto2Descriptor(
    adapt.convertBigQuerySchemaToStorageTableSchema({
      fields: fields as Parameters<typeof adapt.convertBigQuerySchemaToStorageTableSchema>[0]['fields'],
    }),
    'root',
  );
  const type = (protobuf.Type as unknown as { fromDescriptor(d: unknown): protobuf.Type }).fromDescriptor(
    adapt.normalizeDescriptor(descriptor),
  );
  const started = performance.now();
  let bytes = 0;
  for (const row of rows) bytes += type.encode(type.create(storageRowOf(fields, row))).finish().length;
  if (bytes === 0) throw new Error('encoded nothing');
  return (performance.now() - started) / 1000;
}

// The pool lays rows out as the adapter asks (a tree without rowEncoding: NDJSON).
const pool = new PreparePool(defaultPrepareWorkers(), {}, warehouseOn('encoding').rowEncoding);
try {
  for (const table of TABLES) {
    const rows = rowsOf(table);
    const batches = batchesOf(table);
    const measured = {
      prepared: [] as number[],
      clientUsPerRow: [] as number[],
      serverUsPerRow: [] as number[],
      serial: [] as number[],
      pipelined: [] as number[],
      workers: [] as number[],
    };
    const objects: number[] = [];
    const encode: number[] = [];
    let rowFormat = '';
    // Warm-up, not measured: one batch through both paths, so neither process measures its JIT.
    const warm = await pool.prepare(batches[0]!);
    await timedAppend(table, warm.tables[0]!.rows + batch, async (w) => {
      await appendPrepared(w, warm);
      await w.append(table, rows.slice(0, batch));
    });
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const prepared = await Promise.all(batches.map((messages) => pool.prepare(messages)));
      measured.workers.push(count / ((performance.now() - started) / 1000));
      rowFormat = 'encoded' in prepared[0]!.tables[0]! ? 'protobuf rows from the workers' : 'ndjson';
      const concurrent = await timedAppend(table, count, async (w) => {
        let next = 0;
        const slot = async (): Promise<void> => {
          while (next < prepared.length) await appendPrepared(w, prepared[next++]!);
        };
        await Promise.all(Array.from({ length: maxConcurrentFlushes }, slot));
      });
      measured.prepared.push(count / concurrent.seconds);
      measured.clientUsPerRow.push((1e6 * concurrent.clientCpuSeconds) / count);
      measured.serverUsPerRow.push((1e6 * concurrent.serverCpuSeconds) / count);
      measured.serial.push(
        count /
          (
            await timedAppend(table, count, async (w) => {
              for (const batchOf of prepared) await appendPrepared(w, batchOf);
            })
          ).seconds,
      );
      measured.pipelined.push(
        count /
          (
            await timedAppend(table, count, async (w) => {
              let next = pool.prepare(batches[0]!);
              for (let i = 0; i < batches.length; i++) {
                const current = await next;
                if (i + 1 < batches.length) next = pool.prepare(batches[i + 1]!);
                await appendPrepared(w, current);
              }
            })
          ).seconds,
      );
      objects.push(
        count /
          (
            await timedAppend(table, count, async (w) => {
              for (let i = 0; i < rows.length; i += batch) await w.append(table, rows.slice(i, i + batch));
            })
          ).seconds,
      );
      encode.push(count / encodeSeconds(table, rows));
      process.stderr.write(
        `${table} run ${run + 1}/${runs}: prepared rows ${Math.round(measured.prepared.at(-1)!)} rows/s (${rowFormat}, ` +
          `${maxConcurrentFlushes} batches in flight; one at a time ${Math.round(measured.serial.at(-1)!)}), ` +
          `pipelined ${Math.round(measured.pipelined.at(-1)!)}, workers alone ${Math.round(measured.workers.at(-1)!)}, ` +
          `append() of objects ${Math.round(objects.at(-1)!)}, encode only ${Math.round(encode.at(-1)!)}\n`,
      );
    }
    /** Each run's rate over that run's encoding-alone rate, in %: the machine's load cancels out. */
    const ratios = (rates: readonly number[]): string =>
      rates.map((rate, i) => Math.round((100 * rate) / encode[i]!)).join(', ');
    const baseline = {
      name: 'protobuf encoding of the same rows alone (no network, no server)',
      value: Math.round(median(encode)),
      unit: 'rows/s',
    };
    printResult({
      name: `bigquery-append-prepared-${table}`,
      description: `the pipeline's path: rows of '${table}' prepared by the prepare workers → BigQueryWarehouse → the local Storage Write API server, batches of ${batch}, ${maxConcurrentFlushes} in flight as the pipeline writes them, until acknowledged`,
      value: Math.round(median(measured.prepared)),
      unit: 'rows/s',
      runs: measured.prepared.map(Math.round),
      target: '≥ 80 % of encoding alone (issue 16)',
      baseline,
      extra: {
        rows: count,
        batch,
        rowFormat,
        'ratio to encoding alone per run (%)': ratios(measured.prepared),
        'client CPU µs per row (median)': median(measured.clientUsPerRow).toFixed(1),
        'server CPU µs per row (median)': median(measured.serverUsPerRow).toFixed(1),
        'encoding alone µs per row (median)': (1e6 / median(encode)).toFixed(1),
        'one batch at a time (rows/s)': Math.round(median(measured.serial)),
        'one batch at a time, ratio per run (%)': ratios(measured.serial),
        'prepare workers alone (rows/s)': Math.round(median(measured.workers)),
        'prepare and append overlapped (rows/s)': Math.round(median(measured.pipelined)),
      },
    });
    printResult({
      name: `bigquery-append-${table}`,
      description: `BigQueryWarehouse.append('${table}') of row objects through the Storage Write API to the local protocol server, batches of ${batch}, until acknowledged`,
      value: Math.round(median(objects)),
      unit: 'rows/s',
      runs: objects.map(Math.round),
      baseline,
      extra: { rows: count, batch, 'ratio to encoding alone per run (%)': ratios(objects) },
    });
  }
} finally {
  await pool.close();
  child.stdin!.end();
  await once(child, 'exit');
}
