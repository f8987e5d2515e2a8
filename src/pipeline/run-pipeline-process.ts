import { openBus } from '../bus/open-bus.js';
import type { Config } from '../config/settings.js';
import { openLake } from '../lake/open-lake.js';
import { startNativeMemoryTrim } from '../runtime/native-memory-trim.js';
import type { Logger } from '../telemetry/logger.js';
import { createOpsServer, listen } from '../telemetry/ops-server.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { pipelineFromConfig, sampleBacklog } from './pipeline-service.js';
import type { PipelineStats } from './streaming-pipeline.js';

export interface RunPipelineProcessOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly exitWhenIdle: boolean;
  readonly idleMs: number;
  readonly port: number | undefined;
  readonly host: string;
}

/**
 * The whole life of a pipeline worker process: open the ports, run until SIGTERM/SIGINT (or until
 * drained), then stop pulling, flush, ack, close everything, and return the totals.
 */
export async function runPipelineProcess(
  options: RunPipelineProcessOptions,
): Promise<PipelineStats & { peakRssMb: number }> {
  const { config, logger } = options;
  const telemetry = new Telemetry();
  const [bus, lake, warehouse] = await Promise.all([
    openBus(config.bus),
    openLake(config.lake),
    openWarehouse(config.warehouse),
  ]);
  await Promise.all([bus.start(), lake.start(), warehouse.start()]);
  const pipeline = pipelineFromConfig(
    config,
    { bus, lake, warehouse, telemetry, logger },
    { idleMs: options.idleMs },
  );
  const stopSampling = sampleBacklog(bus, config.subscription, telemetry);
  const stopTrimming = startNativeMemoryTrim({ logger });
  // prom-client is loaded only to serve /metrics: it is a tenth of a pipeline's start-up otherwise.
  const server =
    options.port === undefined
      ? undefined
      : createOpsServer({
          registry: (await import('../telemetry/metrics.js')).createMetrics(telemetry),
          health: () => ({ ...pipeline.health.snapshot(), stats: pipeline.stats }),
        });
  if (server)
    logger.info(
      { port: await listen(server, options.port ?? 0, options.host) },
      'serving /metrics and /healthz',
    );

  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping: no new messages, flushing and acking what is buffered');
    stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await pipeline.start();
    await (options.exitWhenIdle ? Promise.race([pipeline.drained(), stopped]) : stopped);
    await pipeline.close();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    stopSampling();
    stopTrimming();
    server?.close();
    await Promise.allSettled([bus.close(), lake.close(), warehouse.close()]);
  }
  return { ...pipeline.stats, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}
