import { contractSettingsOf } from '../config/contract-settings.js';
import type { Config } from '../config/settings.js';
import type { Logger } from '../telemetry/logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { Lake } from '../lake/lake.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { StreamingPipeline } from './streaming-pipeline.js';

/**
 * A pipeline wired from the configuration, with a backlog sampler: what `shopstream pipeline run` and
 * `shopstream up` both run.
 */
export function pipelineFromConfig(
  config: Config,
  deps: { bus: MessageBus; lake: Lake; warehouse: Warehouse; telemetry: Telemetry; logger: Logger },
  overrides: { idleMs?: number } = {},
): StreamingPipeline {
  return new StreamingPipeline(deps, {
    subscription: config.subscription,
    maxOutstandingMessages: config['pipeline.maxOutstandingMessages'],
    maxOutstandingBytes: config['pipeline.maxOutstandingBytes'],
    flushMaxAgeMs: config['pipeline.flushMaxAgeMs'],
    flushMaxBytes: config['pipeline.flushMaxBytes'],
    flushMaxRecords: config['pipeline.flushMaxRecords'],
    prepareWorkers: config['pipeline.prepareWorkers'] || undefined,
    contract: contractSettingsOf(config),
    ...overrides,
  });
}

/** Samples a subscription's backlog into telemetry every `everyMs`; returns a stop function. */
export function sampleBacklog(
  bus: MessageBus,
  subscription: string,
  telemetry: Telemetry,
  everyMs = 2_000,
): () => void {
  const timer = setInterval(() => {
    bus
      .describeSubscription(subscription)
      .then((info) => {
        if (info.backlog !== undefined)
          telemetry.emit('backlog:sampled', { subscription, backlog: info.backlog });
      })
      .catch(() => undefined);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
