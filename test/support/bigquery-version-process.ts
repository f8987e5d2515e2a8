/**
 * One version of shopstream against the fake BigQuery server, as a child process: the contract it
 * runs is the one in $SHOPSTREAM_SCHEMAS (or schemas/), fixed at start-up as in a real deployment,
 * so a test can run the old and the new version side by side. The CLI cannot point BigQuery at a
 * local server, hence this script. Usage:
 *
 *   node --import tsx test/support/bigquery-version-process.ts '<json request>'
 *
 * where the request is {action: 'setup' | 'drain' | 'fill', restUrl, grpcEndpoint, projectId,
 * datasetId, …}; it prints one JSON line: {ok: true, …result} or {ok: false, code, message} (a
 * drain prints {ready: true} before, once it pulls).
 */
import { openBus } from '../../src/bus/open-bus.js';
import { loadConfig } from '../../src/config/load-config.js';
import { openLake } from '../../src/lake/open-lake.js';
import { pipelineFromConfig } from '../../src/pipeline/pipeline-service.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { BigQueryWarehouse } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { parseFillTarget } from '../../src/warehouse/migration/fill-target.js';
import { runFillMissing } from '../../src/archive/fill-missing.js';
import { openBackfillSource } from '../../src/archive/sources/open-backfill-source.js';
import { ShopstreamError } from '../../src/errors/shopstream-error.js';

/** What the test asks the child to do. */
export interface VersionRequest {
  readonly action: 'setup' | 'drain' | 'fill';
  readonly restUrl: string;
  readonly grpcEndpoint: string;
  readonly projectId: string;
  readonly datasetId: string;
  /** setup: plan only. */
  readonly dryRun?: boolean;
  /** drain: the bus and lake URIs (the subscription is the default one). */
  readonly bus?: string;
  readonly lake?: string;
  /** drain: the flow-control window, small to share a subscription's messages with another process. */
  readonly maxOutstandingMessages?: number;
  /**
   * drain: keep pulling until a line arrives on stdin, and only then wait for the drain. A drain of
   * the embedded bus ends as soon as its backlog is 0, so without this a version started before the
   * test publishes could finish, empty, before the messages come.
   */
  readonly drainAfterStdinLine?: boolean;
  /** fill: the archive folder and the targets (`orders.coupon_code`). */
  readonly from?: string;
  readonly targets?: readonly string[];
}

const request = JSON.parse(process.argv[2]!) as VersionRequest;
const warehouse = new BigQueryWarehouse({
  uri: `bigquery:${request.projectId}.${request.datasetId}`,
  projectId: request.projectId,
  datasetId: request.datasetId,
  apiEndpoint: request.restUrl,
  writeEndpoint: request.grpcEndpoint,
  credentials: 'none',
  retry: { maxAttempts: 4, initialBackoffMs: 5, maxBackoffMs: 20 },
});

async function run(): Promise<object> {
  await warehouse.start();
  if (request.action === 'setup')
    return { migration: await warehouse.ensureSchema({ dryRun: request.dryRun }) };
  if (request.action === 'fill') {
    const source = await openBackfillSource(request.from!);
    try {
      return {
        progress: await runFillMissing({ source, warehouse, targets: request.targets!.map(parseFillTarget) }),
      };
    } finally {
      await source.close();
    }
  }
  const config = loadConfig({
    flags: {
      bus: request.bus,
      lake: request.lake,
      'pipeline.maxOutstandingMessages': request.maxOutstandingMessages,
    },
    env: {},
  });
  const [bus, lake] = [await openBus(config.bus), await openLake(config.lake)];
  await Promise.all([bus.start(), lake.start()]);
  const pipeline = pipelineFromConfig(
    config,
    { bus, lake, warehouse, telemetry: new Telemetry(), logger: silentLogger },
    { idleMs: 1_500 },
  );
  try {
    await pipeline.start();
    // Pulling now: a test that runs two versions side by side publishes once both say so.
    process.stdout.write(JSON.stringify({ ready: true }) + '\n');
    if (request.drainAfterStdinLine) await firstStdinLine();
    await pipeline.drained();
    await pipeline.close();
  } finally {
    await Promise.allSettled([bus.close(), lake.close()]);
  }
  return { stats: pipeline.stats };
}

function firstStdinLine(): Promise<void> {
  return new Promise((resolve) =>
    process.stdin.on('data', (chunk: Buffer) => {
      if (chunk.includes('\n')) resolve();
    }),
  );
}

try {
  const result = await run();
  process.stdout.write(JSON.stringify({ ok: true, ...result }) + '\n');
} catch (error) {
  const e = error as Error;
  process.stdout.write(
    JSON.stringify({
      ok: false,
      code: error instanceof ShopstreamError ? error.code : 'unexpected',
      message: e.stack ?? e.message,
    }) + '\n',
  );
} finally {
  await warehouse.close();
}
