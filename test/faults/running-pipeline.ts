import type { Server } from 'node:http';
import { openBus } from '../../src/bus/open-bus.js';
import type { MessageBus } from '../../src/bus/message-bus.js';
import type { Config } from '../../src/config/settings.js';
import type { Lake } from '../../src/lake/lake.js';
import { openLake } from '../../src/lake/open-lake.js';
import { pipelineFromConfig } from '../../src/pipeline/pipeline-service.js';
import type { PipelineOptions } from '../../src/pipeline/pipeline-options.js';
import { StreamingPipeline, type PipelineStats } from '../../src/pipeline/streaming-pipeline.js';
import { silentLogger, type Logger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { createOpsServer, listen } from '../../src/telemetry/ops-server.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { OpsClient } from '../support/ops-client.js';

/** A pipeline running in this process, wired as `shopstream pipeline run --port` wires it. */
export interface RunningPipeline {
  readonly pipeline: StreamingPipeline;
  readonly bus: MessageBus;
  readonly lake: Lake;
  readonly warehouse: Warehouse;
  /** Its `/healthz` and `/metrics`, over HTTP on 127.0.0.1. */
  readonly ops: OpsClient;
  /** Closes the pipeline (retrying failing sinks for at most `deadlineMs`), then the ports. */
  stop(deadlineMs?: number): Promise<PipelineStats>;
}

export interface StartPipelineOptions {
  /** Wraps the real warehouse (a fault injector), or replaces it. */
  readonly warehouse?: (real: Warehouse) => Warehouse;
  /** A lake to use instead of the configured one. */
  readonly lake?: Lake;
  /** Pipeline options over those the config gives. */
  readonly pipeline?: Partial<PipelineOptions>;
  readonly logger?: Logger;
}

/**
 * Opens the configured ports, starts a pipeline on them with the Prometheus registry and ops server
 * of the real process (see run-pipeline-process.ts), and returns at once: the test decides when it
 * stops. Fault tests inject their faults through `options`.
 */
export async function startPipelineInProcess(
  config: Config,
  options: StartPipelineOptions = {},
): Promise<RunningPipeline> {
  const [bus, lake, realWarehouse] = await Promise.all([
    openBus(config.bus),
    options.lake ?? openLake(config.lake),
    openWarehouse(config.warehouse),
  ]);
  const warehouse = options.warehouse ? options.warehouse(realWarehouse) : realWarehouse;
  await Promise.all([bus.start(), lake.start(), warehouse.start()]);
  const telemetry = new Telemetry();
  const logger = options.logger ?? silentLogger;
  const fromConfig = pipelineFromConfig(config, { bus, lake, warehouse, telemetry, logger });
  const pipeline = options.pipeline
    ? new StreamingPipeline(
        { bus, lake, warehouse, telemetry, logger },
        { ...fromConfig.options, ...options.pipeline },
      )
    : fromConfig;
  const server: Server = createOpsServer({
    registry: createMetrics(telemetry),
    health: () => ({ ...pipeline.health.snapshot(), stats: pipeline.stats }),
  });
  const port = await listen(server, 0, '127.0.0.1');
  await pipeline.start();
  return {
    pipeline,
    bus,
    lake,
    warehouse,
    ops: new OpsClient(`http://127.0.0.1:${port}`),
    async stop(deadlineMs?: number): Promise<PipelineStats> {
      try {
        await pipeline.close(deadlineMs);
      } finally {
        server.close();
        await Promise.allSettled([bus.close(), lake.close(), warehouse.close()]);
      }
      return { ...pipeline.stats };
    },
  };
}
