import { openBus } from '../bus/open-bus.js';
import { ensureTopology } from '../bus/ensure-topology.js';
import type { Config } from '../config/settings.js';
import { buildReferenceUniverse } from '../generator/reference-universe.js';
import { openLake } from '../lake/open-lake.js';
import type { Logger } from '../telemetry/logger.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { migrationText } from './migration-text.js';

/** What {@link setupAll} sets up. */
export interface SetupParts {
  readonly bus: boolean;
  readonly warehouse: boolean;
  /**
   * Plan the warehouse only: print the statements a migration would run, change nothing (the bus,
   * the lakes and the ref_ data are left alone). A breaking change is refused all the same.
   */
  readonly dryRun?: boolean;
}

/**
 * Creates, idempotently, everything the configured targets need, and migrates a warehouse made by an
 * earlier contract (see Warehouse.ensureSchema). Returns one human line per step.
 * `shopstream setup` and `shopstream up` call it.
 */
export async function setupAll(config: Config, logger: Logger, parts: SetupParts): Promise<string[]> {
  if (parts.dryRun)
    return parts.warehouse ? planWarehouse(config) : ['setup --dry-run: nothing to plan (--skip-warehouse)'];
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
      const migration = await warehouse.ensureSchema();
      const universe = buildReferenceUniverse({ seed: config.seed });
      await warehouse.loadReferenceData(universe);
      const added = migration.addedColumns;
      done.push(
        `warehouse ${config.warehouse}: tables and views ready${added.length > 0 ? ` (migrated: added ${added.join(', ')}; views re-created)` : ''}; ref data seed ${config.seed}: ${universe.customers.length} customers, ${universe.products.length} products, ${universe.warehouses.length} warehouses`,
      );
    } finally {
      await warehouse.close();
    }
  }
  logger.debug({ done }, 'setup finished');
  return done;
}

/** `setup --dry-run`: the warehouse's migration as a script, nothing changed. */
async function planWarehouse(config: Config): Promise<string[]> {
  const warehouse = await openWarehouse(config.warehouse);
  try {
    await warehouse.start();
    const migration = await warehouse.ensureSchema({ dryRun: true });
    const added = migration.addedColumns;
    return [
      `-- setup --dry-run: ${config.warehouse}; nothing was changed. ${migration.steps.length} statements would run` +
        (added.length > 0 ? `, adding ${added.join(', ')}` : ', adding no column') +
        ' (the bus, the lakes and the ref_ data are not planned).',
      ...migrationText(migration),
    ];
  } finally {
    await warehouse.close();
  }
}
