import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/settings.js';
import { setupAll } from '../../src/setup/setup-all.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import type { LocalStack } from '../support/local-stack.js';
import { SmallDisk } from '../support/small-disk.js';

/** A stack's DuckDB warehouse moved onto a small tmpfs (set up, empty), for real disk-full faults. */
export interface WarehouseOnSmallDisk {
  readonly disk: SmallDisk;
  /** `duckdb:<disk>/warehouse.duckdb` */
  readonly warehouse: string;
  /** The stack's configuration with that warehouse. */
  readonly config: Config;
}

export async function warehouseOnSmallDisk(stack: LocalStack, sizeMb = 64): Promise<WarehouseOnSmallDisk> {
  const disk = SmallDisk.mount(join(stack.dir, 'full'), sizeMb);
  const warehouse = `duckdb:${join(disk.dir, 'warehouse.duckdb')}`;
  const config = loadConfig({ flags: { ...stack.config, warehouse }, env: {} });
  await setupAll(config, silentLogger, { bus: false, warehouse: true });
  return { disk, warehouse, config };
}
