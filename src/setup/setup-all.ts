import { openBus } from '../bus/open-bus.js';
import { ensureTopology } from '../bus/ensure-topology.js';
import type { Config } from '../config/settings.js';
import { buildReferenceUniverse } from '../generator/reference-universe.js';
import { openLake } from '../lake/open-lake.js';
import type { Logger } from '../telemetry/logger.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';

/**
 * Creates, idempotently, everything the configured targets need. Returns one human line per step.
 * `shopstream setup` and `shopstream up` call it.
 */
export async function setupAll(
  config: Config,
  logger: Logger,
  parts: { bus: boolean; warehouse: boolean },
): Promise<string[]> {
  const done: string[] = [];
  if (parts.bus) {
    const bus = await openBus(config.bus);
    try {
      await bus.start();
      await ensureTopology(bus, config);
      done.push(
        `bus ${config.bus}: topic ${config.topic} → ${config.subscription} (dead letters to ${config.deadLetterTopic} after ${config.maxDeliveryAttempts} attempts), ${config.historySubscription}; ${config.deadLetterTopic} → ${config.deadLetterSubscription}`,
      );
    } finally {
      await bus.close();
    }
  }
  for (const uri of [config.lake, config.archive]) {
    const lake = await openLake(uri);
    try {
      await lake.start();
      done.push(`lake ${uri}: ready`);
    } finally {
      await lake.close();
    }
  }
  if (parts.warehouse) {
    const warehouse = await openWarehouse(config.warehouse);
    try {
      await warehouse.start();
      await warehouse.ensureSchema();
      const universe = buildReferenceUniverse({ seed: config.seed });
      await warehouse.loadReferenceData(universe);
      done.push(
        `warehouse ${config.warehouse}: tables and views ready; ref data seed ${config.seed}: ${universe.customers.length} customers, ${universe.products.length} products, ${universe.warehouses.length} warehouses`,
      );
    } finally {
      await warehouse.close();
    }
  }
  logger.debug({ done }, 'setup finished');
  return done;
}
