import { randomInt } from 'node:crypto';
import { archiverFromConfig } from '../archive/run-archiver-process.js';
import { openBus } from '../bus/open-bus.js';
import type { Config } from '../config/settings.js';
import { LiveStats } from '../dashboard/live-stats.js';
import { DashboardServer } from '../dashboard/dashboard-server.js';
import { DASHBOARD_PANELS } from '../dashboard/dashboard-panels.js';
import { WarehousePanels } from '../dashboard/warehouse-panels.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { publishGenerated } from '../generator/publish-generated.js';
import { buildReferenceUniverse } from '../generator/reference-universe.js';
import { TrafficGenerator } from '../generator/traffic-generator.js';
import { chooseTraffic, type TrafficChoice } from '../generator/traffic-choice.js';
import { openLake } from '../lake/open-lake.js';
import { pipelineFromConfig, sampleBacklog } from '../pipeline/pipeline-service.js';
import type { PipelineStats, StreamingPipeline } from '../pipeline/streaming-pipeline.js';
import { startNativeMemoryTrim } from '../runtime/native-memory-trim.js';
import { setupAll } from '../setup/setup-all.js';
import type { Logger } from '../telemetry/logger.js';
import { createMetrics } from '../telemetry/metrics.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { readableFoldersOf } from '../warehouse/readable-folders.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { PeriodicReconcile } from './periodic-reconcile.js';
import { QueryServer } from './query-server.js';
import { StatusPrinter, formatUptime, type StatusOutput } from './status-view.js';
import {
  discoveryPathOf,
  newQueryToken,
  readLiveDiscovery,
  removeDiscovery,
  writeDiscovery,
} from './up-discovery.js';
import type { CompiledUpOptions } from './up-options.js';

/** A generator plan needs an end; this one is a year away. */
const UNTIL_STOPPED_MS = 365 * 24 * 3_600_000;

/** Options of {@link runUp}: the compiled flags, plus where things go. */
export interface RunUpOptions extends CompiledUpOptions {
  /** The configuration, with default targets already under the data folder. */
  readonly config: Config;
  readonly logger: Logger;
  /** Where the banner and the status go (stdout). */
  readonly out: StatusOutput;
  /** Where the logs go, for the banner (`stderr` or a file). */
  readonly logsTo: string;
  /** Stops the run like SIGTERM (for tests and embedding). */
  readonly signal?: AbortSignal;
  /** Listen to SIGINT/SIGTERM. Default true. */
  readonly handleSignals?: boolean;
}

/** What a run did, returned after everything stopped. */
export interface UpSummary {
  readonly runMs: number;
  readonly dashboardUrl: string;
  readonly generated: { readonly published: number; readonly invalid: number };
  readonly pipeline: PipelineStats;
  readonly archive: { readonly messages: number; readonly files: number };
  /** Why it stopped: `SIGINT`, `SIGTERM`, `duration`, `aborted`. */
  readonly stoppedBy: string;
}

/**
 * `shopstream up`: the whole system in one process. Creates the topology, tables and ref data
 * (idempotent), then runs the generator at a steady wall-clock rate, the pipeline, the history
 * archiver, and the dashboard (with /metrics and /healthz); while it runs, other processes query the
 * DuckDB file through it (see {@link QueryServer}). It stops on SIGINT/SIGTERM or after `durationMs`:
 * the generator first, then the pipeline drains and acks, the archiver closes its file, and the servers
 * close. Everything is kept in the data folder, so the next start continues with it.
 */
export async function runUp(options: RunUpOptions): Promise<UpSummary> {
  const { config, logger } = options;
  const startedAt = Date.now();
  const closers: { name: string; close: () => unknown }[] = [];
  const closeAll = async (): Promise<void> => {
    for (const { name, close } of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn({ err: error, part: name }, 'closing failed');
      }
    }
    closers.length = 0;
  };

  // A bad profile file stops the run before anything starts.
  const traffic = chooseTraffic(config, options, true);
  const discoveryPath = discoveryPathOf(config.warehouse);
  const other = discoveryPath === undefined ? undefined : readLiveDiscovery(discoveryPath);
  if (other && other.pid !== process.pid)
    throw new ShopstreamError(
      'SHOP_E_WAREHOUSE_UNAVAILABLE',
      `another shopstream up (pid ${other.pid}) is running on ${other.warehouse}; its dashboard is at ${other.dashboardUrl}. Stop it, or start this one with another --data folder.`,
      { context: { pid: other.pid } },
    );

  const telemetry = new Telemetry();
  const registry = createMetrics(telemetry);
  const live = new LiveStats(telemetry, config.subscription);
  let warehouse: Warehouse | undefined;
  let pipeline: StreamingPipeline | undefined;
  const health = (): { healthy: boolean } & Record<string, unknown> =>
    pipeline
      ? { ...pipeline.health.snapshot(), stats: { ...pipeline.stats } }
      : { healthy: false, failing: {}, blocked: {}, starting: true };
  const panels = new WarehousePanels({
    // The warehouse opens after the dashboard listens (a busy port should fail before any set-up).
    warehouse: {
      query: (sql) =>
        warehouse ? warehouse.query(sql) : Promise.reject(new Error('the warehouse is opening')),
    },
    panels: DASHBOARD_PANELS,
    logger,
    intervalMs: 3_000,
    // Refreshes start after the dashboard exists (panels.start() below).
    onRefresh: (results) => dashboard.publishPanels(results),
  });
  let reconciler: PeriodicReconcile | undefined;
  const dashboard = new DashboardServer({
    registry,
    health,
    live,
    panels,
    reconcile: () => reconciler?.latest(),
    about: { bus: config.bus, lake: config.lake, archive: config.archive, warehouse: config.warehouse },
  });

  let port: number;
  try {
    port = await dashboard.listen(options.port, options.host);
  } catch (error) {
    live.close();
    throw listenError(error as NodeJS.ErrnoException, options.host, options.port);
  }
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const dashboardUrl = `http://${hostInUrl}:${port}`;
  closers.push({ name: 'dashboard', close: () => dashboard.close() });
  closers.push({ name: 'live stats', close: () => live.close() });

  let generated = { published: 0, invalid: 0 };
  let stoppedBy = 'aborted';
  let archiverStats = { messages: 0, files: 0 };
  try {
    const setupLines = await setupAll(config, logger, { bus: true, warehouse: true });
    logger.info({ setup: setupLines }, 'set up (idempotent)');

    const [bus, lake, archive, openedWarehouse] = await Promise.all([
      openBus(config.bus),
      openLake(config.lake),
      openLake(config.archive),
      // Queries (the dashboard's, and other processes' through the query listener) reach the
      // warehouse and the local lake and archive, nothing else of the machine.
      openWarehouse(config.warehouse, { readableDirectories: readableFoldersOf(config) }),
    ]);
    closers.push({
      name: 'ports',
      close: () => Promise.allSettled([bus.close(), lake.close(), archive.close(), openedWarehouse.close()]),
    });
    await Promise.all([bus.start(), lake.start(), archive.start(), openedWarehouse.start()]);
    warehouse = openedWarehouse;

    let queryServer: QueryServer | undefined;
    if (discoveryPath !== undefined) {
      const token = newQueryToken();
      queryServer = new QueryServer({ warehouse: openedWarehouse, token, logger });
      const queryPort = await queryServer.start();
      closers.push({ name: 'query listener', close: () => queryServer?.close() });
      await writeDiscovery(discoveryPath, {
        pid: process.pid,
        queryPort,
        token,
        dashboardUrl,
        warehouse: config.warehouse,
        startedAt: new Date(startedAt).toISOString(),
      });
      closers.push({ name: 'discovery file', close: () => removeDiscovery(discoveryPath) });
    }

    const runningPipeline = pipelineFromConfig(
      config,
      { bus, lake, warehouse: openedWarehouse, telemetry, logger },
      { idleMs: 500 },
    );
    const archiver = archiverFromConfig(config, { bus, archive, telemetry, logger });
    await runningPipeline.start();
    pipeline = runningPipeline;
    closers.push({ name: 'pipeline', close: () => runningPipeline.close() });
    await archiver.start();
    closers.push({ name: 'archiver', close: () => archiver.close() });
    const stopSampling = sampleBacklog(bus, config.subscription, telemetry, 1_000);
    closers.push({ name: 'backlog sampler', close: stopSampling });
    const stopTrimming = startNativeMemoryTrim({ logger });
    closers.push({ name: 'native memory trim', close: stopTrimming });
    panels.start();
    closers.push({ name: 'warehouse panels', close: () => panels.close() });
    reconciler = new PeriodicReconcile({
      config,
      query: (sql) => openedWarehouse.query(sql),
      logger,
      onResult: (summary) => dashboard.publishReconcile(summary),
    });
    reconciler.start();
    const periodic = reconciler;
    closers.push({ name: 'reconcile', close: () => periodic.close() });

    const universe = buildReferenceUniverse({ seed: config.seed });
    // A fresh traffic seed per run: a restart continues the shop instead of replaying the same stories.
    const trafficSeed = randomInt(2 ** 31 - 1);
    const generator = new TrafficGenerator({
      seed: trafficSeed,
      universe,
      invalidRatio: options.invalidRatio,
      clock: 'wall',
      profile: traffic.profile,
      timeScale: traffic.timeScale,
    });
    const stopGenerator = new AbortController();
    // The generator runs until it is told to stop (Ctrl-C, --duration): waitForStop decides, not its plan.
    const publishing = publishGenerated(
      bus,
      config.topic,
      generator,
      { rate: options.rate, durationMs: UNTIL_STOPPED_MS, signal: stopGenerator.signal },
      { telemetry },
    );
    logger.info(
      {
        rate: options.rate,
        invalidRatio: options.invalidRatio,
        trafficSeed,
        profile: traffic.profileName,
        timeScale: traffic.timeScale,
      },
      'generator started',
    );

    const status = new StatusPrinter(options.out);
    status.print(banner({ ...options, dashboardUrl, traffic }) + '\n');
    const ticker = setInterval(() => {
      const snapshot = live.tick();
      dashboard.publishLive(snapshot);
      status.update(snapshot, live.history(5), health());
    }, 1_000);
    closers.push({ name: 'ticker', close: () => clearInterval(ticker) });

    stoppedBy = await waitForStop(options, publishing);
    status.stop();
    status.print(
      `\nstopping (${stoppedBy}): generator, then the pipeline drains, the archiver flushes, the servers close…` +
        `${stoppedBy === 'SIGINT' ? ' (Ctrl-C again to stop at once)' : ''}\n`,
    );
    stopGenerator.abort();
    generated = countsOf(
      await publishing.catch((error: unknown) => {
        logger.error({ err: error }, 'generator failed');
        return undefined;
      }),
    );
    // Let the pipeline take what is still on the subscription, but never wait long for it.
    await Promise.race([runningPipeline.drained(), sleep(10_000)]);
    await runningPipeline.close();
    await archiver.close();
    archiverStats = { messages: archiver.stats.messages, files: archiver.stats.files };
    const runMs = Date.now() - startedAt;
    const summary: UpSummary = {
      runMs,
      dashboardUrl,
      generated,
      pipeline: { ...runningPipeline.stats },
      archive: archiverStats,
      stoppedBy,
    };
    status.print(
      `stopped after ${formatUptime(runMs)}: generated ${generated.published} (${generated.invalid} invalid), ` +
        `stored ${summary.pipeline.accepted}, dead-lettered ${summary.pipeline.deadLettered}, archived ${archiverStats.messages} in ${archiverStats.files} file(s). ` +
        `Data kept in ${options.dataDir}; \`npm start\` continues with it.\n`,
    );
    return summary;
  } finally {
    await closeAll();
  }
}

/** The lines printed at start: what runs, where, and how to look at it. */
function banner(o: RunUpOptions & { dashboardUrl: string; traffic: TrafficChoice }): string {
  const { config } = o;
  const stop =
    o.durationMs === undefined
      ? 'Ctrl-C stops everything; the next start continues with the same data.'
      : `Stops by itself after ${formatUptime(o.durationMs)} (or Ctrl-C).`;
  return [
    'shopstream up: the whole pipeline on this machine',
    `  dashboard  ${o.dashboardUrl}   (also /metrics and /healthz)`,
    `  generator  ${o.rate} events/s, profile ${o.traffic.profileName}${o.traffic.timeScale === 1 ? '' : ` at time scale ${o.traffic.timeScale}`}, ${+(o.invalidRatio * 100).toFixed(2)}% invalid on purpose → ${config.topic}`,
    `  pipeline   ${config.subscription} → lake ${config.lake} · DLQ ${config.lake}/output/errors · warehouse ${config.warehouse}`,
    `  archiver   ${config.historySubscription} → ${config.archive}`,
    `  data       ${o.dataDir}   (bus ${config.bus})`,
    `  query      npx shopstream query "SELECT * FROM orders LIMIT 5"   (works while this runs)`,
    `  logs       ${o.logsTo}`,
    stop,
    '',
  ].join('\n');
}

function waitForStop(options: RunUpOptions, publishing: Promise<unknown>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    const cleanups: (() => void)[] = [];
    const done = (reason: string): void => {
      for (const timer of timers) clearTimeout(timer);
      for (const cleanup of cleanups) cleanup();
      resolve(reason);
    };
    if (options.durationMs !== undefined) timers.push(setTimeout(() => done('duration'), options.durationMs));
    if (options.signal) {
      if (options.signal.aborted) return done('aborted');
      const onAbort = (): void => done('aborted');
      options.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => options.signal?.removeEventListener('abort', onAbort));
    }
    if (options.handleSignals ?? true) {
      const onSignal = (signal: NodeJS.Signals): void => {
        const firstAt = Date.now();
        done(signal);
        // Ctrl-C again while stopping means "now": nothing unwritten was acked, so the bus redelivers
        // it on the next start. One Ctrl-C often arrives twice, though (from the terminal, and relayed
        // by npm or tsx), so a repeat within a second is the same press.
        const again = (): void => {
          if (Date.now() - firstAt < 1_000) return;
          process.stderr.write(
            '\nshopstream up: stopped at once (second Ctrl-C); nothing unwritten was acked\n',
          );
          process.exit(130);
        };
        process.on('SIGINT', again);
        process.on('SIGTERM', again);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      cleanups.push(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      });
    }
    // The generator only ends by itself when publishing fails for good.
    publishing.then(
      () => done('generator finished'),
      (error: unknown) => {
        for (const timer of timers) clearTimeout(timer);
        for (const cleanup of cleanups) cleanup();
        reject(error);
      },
    );
  });
}

function countsOf(counts: { published: number; invalid: number } | undefined): {
  published: number;
  invalid: number;
} {
  return { published: counts?.published ?? 0, invalid: counts?.invalid ?? 0 };
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): ShopstreamError {
  const where = `${host}:${port}`;
  if (error.code === 'EADDRINUSE')
    return new ShopstreamError(
      'SHOP_E_USAGE',
      `--port ${port}: ${where} is already in use (another shopstream up?); choose another with --port, or --port 0 for any free port`,
      { cause: error },
    );
  if (error.code === 'EACCES')
    return new ShopstreamError(
      'SHOP_E_USAGE',
      `--port ${port}: not allowed to listen on ${where}; choose a port above 1023`,
      { cause: error },
    );
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    return new ShopstreamError('SHOP_E_USAGE', `--host ${host}: not an address of this machine`, {
      cause: error,
    });
  return new ShopstreamError('SHOP_E_INTERNAL', `cannot listen on ${where}: ${error.message}`, {
    cause: error,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
