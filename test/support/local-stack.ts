import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/settings.js';
import { setupAll } from '../../src/setup/setup-all.js';
import { silentLogger } from '../../src/telemetry/logger.js';

/** A throwaway local deployment: embedded bus, file lake and archive, DuckDB, all in one temp folder. */
export interface LocalStack {
  readonly dir: string;
  readonly config: Config;
  /** The same configuration as CLI flags, for child processes. */
  readonly flags: string[];
  remove(): void;
}

/** Creates the folder and config; with `setup`, also the topology, tables, views and ref data. */
export async function createLocalStack(
  options: { setup?: boolean; bus?: string; extra?: Record<string, unknown> } = {},
): Promise<LocalStack> {
  const dir = mkdtempSync(join(tmpdir(), 'shopstream-'));
  const targets = {
    bus: options.bus ?? `embedded:${join(dir, 'bus')}`,
    lake: `file:${join(dir, 'lake')}`,
    archive: `file:${join(dir, 'backup')}`,
    warehouse: `duckdb:${join(dir, 'warehouse.duckdb')}`,
  };
  const config = loadConfig({ flags: { ...targets, logLevel: 'warn', ...options.extra }, env: {} });
  if (options.setup ?? true) await setupAll(config, silentLogger, { bus: true, warehouse: true });
  const flags = [
    ...Object.entries(targets).flatMap(([key, value]) => [`--${key}`, value]),
    ...Object.entries(options.extra ?? {}).flatMap(([key, value]) => ['--set', `${key}=${String(value)}`]),
  ];
  return { dir, config, flags, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
