/**
 * How fast BigQueryWarehouse.append gets realistic rows through the Storage Write API, per table,
 * against the local BigQuery protocol server (test/support/fake-bigquery-server.ts).
 *
 *   npx tsx bench/bigquery-append.bench.ts [rows]   (default 20000 rows per table; BENCH_COUNT,
 *                                                   BENCH_RUNS (default 3), BENCH_BATCH (default 5000))
 *
 * What it measures: shopstream's side of an append (row conversion, the managed writer's protobuf
 * encoding, request splitting, gRPC) until the local server, running in its own process
 * (test/support/fake-bigquery/serve.ts), has decoded, checked and acknowledged every row. It is not
 * BigQuery's throughput (the service's latency and limits are not here); it shows the client's cost
 * per row, which bounds one worker's rate. On a two-core machine the server competes for the cores.
 * Rows come from the traffic generator through the real contract (bytes → MessageChecker → rowOf),
 * cycled with fresh event_ids; each run appends to a fresh dataset in batches of BENCH_BATCH rows,
 * one append() at a time as the pipeline's sink does, and checks the server stored them all.
 *
 * Baseline, same rows, same run: the managed writer's JSONWriter encoding alone (the library's
 * protobuf encoding of the converted rows, no network, no server), to show where the time goes.
 * Prints progress on stderr and one `BENCH {…}` JSON line per figure (median of the runs) on stdout.
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
import { BigQueryWarehouse } from '../src/warehouse/bigquery/bigquery-warehouse.js';
import { tableFieldsOf } from '../src/warehouse/bigquery/model-resources.js';
import { storageRowOf } from '../src/warehouse/bigquery/storage-row.js';
import { TABLE_OF_TYPE, rowOf, type EventTableName, type RowOf } from '../src/warehouse/rows.js';
import { median, printResult, runsFromEnv } from './bench-result.js';

const count = Number(process.argv[2] ?? process.env.BENCH_COUNT ?? 20_000);
const runs = runsFromEnv(3);
const batch = Number(process.env.BENCH_BATCH ?? 5_000);
const POOL = Math.min(count, 5_000);
const TABLES: readonly EventTableName[] = ['orders', 'inventory', 'user_activity'];
const PROJECT = 'bench-project';

const checker = new MessageChecker();
const generator = new TrafficGenerator({ seed: 7, universe: buildReferenceUniverse({ seed: 42 }) });
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

// The server in its own process, so its decoding does not run on the client's event loop.
const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fake-bigquery/serve.ts', PROJECT], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [firstLine] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const server = JSON.parse(firstLine) as { restUrl: string; grpcEndpoint: string };

/** Seconds to append every row of `table` in batches, to a fresh dataset. */
async function appendSeconds(table: EventTableName, rows: readonly RowOf<EventTableName>[]): Promise<number> {
  const datasetId = `bench_${randomUUID().slice(0, 8)}`;
  const warehouse = new BigQueryWarehouse({
    uri: `bigquery:${PROJECT}.${datasetId}`,
    projectId: PROJECT,
    datasetId,
    apiEndpoint: server.restUrl,
    writeEndpoint: server.grpcEndpoint,
    credentials: 'none',
  });
  try {
    await warehouse.ensureSchema();
    const started = performance.now();
    for (let i = 0; i < rows.length; i += batch) await warehouse.append(table, rows.slice(i, i + batch));
    const seconds = (performance.now() - started) / 1000;
    // The server counts its stored rows for this one query form (it is not a SQL engine).
    const { rows: counted } = await warehouse.query(`SELECT COUNT(*) AS n FROM ${table}`);
    if (counted[0]?.n !== rows.length) {
      throw new Error(`${table}: server stored ${String(counted[0]?.n)} rows, expected ${rows.length}`);
    }
    return seconds;
  } finally {
    await warehouse.close();
  }
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

try {
  for (const table of TABLES) {
    const rows = rowsOf(table);
    const measured = { append: [] as number[], encode: [] as number[] };
    for (let run = 0; run < runs; run++) {
      measured.append.push(count / (await appendSeconds(table, rows)));
      measured.encode.push(count / encodeSeconds(table, rows));
      process.stderr.write(
        `${table} run ${run + 1}/${runs}: append ${Math.round(measured.append.at(-1)!)} rows/s, encode only ${Math.round(measured.encode.at(-1)!)}\n`,
      );
    }
    printResult({
      name: `bigquery-append-${table}`,
      description: `BigQueryWarehouse.append('${table}') through the Storage Write API to the local protocol server, batches of ${batch}, until acknowledged`,
      value: Math.round(median(measured.append)),
      unit: 'rows/s',
      runs: measured.append.map(Math.round),
      baseline: {
        name: 'protobuf encoding of the same rows alone (no network, no server)',
        value: Math.round(median(measured.encode)),
        unit: 'rows/s',
      },
      extra: { rows: count, batch },
    });
  }
} finally {
  child.stdin!.end();
  await once(child, 'exit');
}
