import { openBus } from '../../src/bus/open-bus.js';
import type { Config } from '../../src/config/settings.js';
import { openLake } from '../../src/lake/open-lake.js';
import { pipelineFromConfig } from '../../src/pipeline/pipeline-service.js';
import type { PipelineStats } from '../../src/pipeline/streaming-pipeline.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';

/**
 * Runs the pipeline in this process until the subscription is drained, then closes everything.
 * `warehouse` replaces the configured one (a BigQueryWarehouse on the local protocol server, which
 * a `bigquery:` URI alone cannot reach); it is started and closed here like the others.
 */
export async function drainInProcess(
  config: Config,
  options: { idleMs?: number; telemetry?: Telemetry; warehouse?: Warehouse } = {},
): Promise<PipelineStats> {
  const [bus, lake, warehouse] = await Promise.all([
    openBus(config.bus),
    openLake(config.lake),
    options.warehouse ?? openWarehouse(config.warehouse),
  ]);
  await Promise.all([bus.start(), lake.start(), warehouse.start()]);
  const telemetry = options.telemetry ?? new Telemetry();
  const pipeline = pipelineFromConfig(
    config,
    { bus, lake, warehouse, telemetry, logger: silentLogger },
    { idleMs: options.idleMs ?? 1_000 },
  );
  try {
    await pipeline.start();
    await pipeline.drained();
    await pipeline.close();
  } finally {
    await Promise.allSettled([bus.close(), lake.close(), warehouse.close()]);
  }
  return { ...pipeline.stats };
}
