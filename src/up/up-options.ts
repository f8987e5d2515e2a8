import { join } from 'node:path';
import { SETTINGS, type Config } from '../config/settings.js';
import { ShopstreamError } from '../errors/shopstream-error.js';

/** What `shopstream up` runs with. Units are in the names. */
export interface UpOptions {
  /** Generated events per second (wall clock). Default 200. */
  readonly rate?: number;
  /** Share of deliberately invalid messages, 0-1. Default 0.02. */
  readonly invalidRatio?: number;
  /** Dashboard port; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Dashboard address. Default 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** Stop by itself after this long; undefined runs until Ctrl-C / SIGTERM. */
  readonly durationMs?: number;
  /** The folder for every target still at its default (bus, lake, archive, warehouse). Default ./data. */
  readonly dataDir?: string;
  /** Traffic profile: a name or a profile file. Default: the `generator.profile` setting (demo). */
  readonly profile?: string;
  /** The simulated clock runs this many times faster. Default: the `generator.timeScale` setting (1). */
  readonly timeScale?: number;
}

export interface CompiledUpOptions {
  readonly rate: number;
  readonly invalidRatio: number;
  readonly port: number;
  readonly host: string;
  readonly durationMs: number | undefined;
  readonly dataDir: string;
  /** Undefined: the setting decides (see chooseTraffic). */
  readonly profile: string | undefined;
  readonly timeScale: number | undefined;
}

/** Applies defaults and checks ranges; a bad value throws SHOP_E_USAGE naming its flag. */
export function compileUpOptions(options: UpOptions = {}): CompiledUpOptions {
  const rate = options.rate ?? 200;
  if (!Number.isFinite(rate) || rate <= 0 || rate > 1_000_000)
    throw usage(`--rate ${rate}: expected events per second from 1 to 1000000`);
  const invalidRatio = options.invalidRatio ?? 0.02;
  if (!Number.isFinite(invalidRatio) || invalidRatio < 0 || invalidRatio > 1)
    throw usage(`--invalid-ratio ${invalidRatio}: expected a share from 0 to 1, such as 0.02`);
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw usage(`--port ${port}: expected a port from 0 (any free port) to 65535`);
  const host = options.host ?? '127.0.0.1';
  if (host.length === 0) throw usage('--host: expected an address such as 127.0.0.1');
  const durationMs = options.durationMs;
  if (durationMs !== undefined && (!Number.isFinite(durationMs) || durationMs <= 0))
    throw usage(`--duration: expected a positive duration such as 30s`);
  const dataDir = options.dataDir ?? './data';
  if (dataDir.length === 0) throw usage('--data: expected a folder');
  const { profile, timeScale } = options;
  if (profile !== undefined && profile.trim() === '')
    throw usage('--profile: expected demo, shop, or a profile file (.json)');
  const scale = timeScale === undefined ? undefined : SETTINGS['generator.timeScale'].parse(timeScale);
  if (scale && 'error' in scale) throw usage(`--time-scale ${timeScale}: ${scale.error}`);
  return Object.freeze({ rate, invalidRatio, port, host, durationMs, dataDir, profile, timeScale });
}

/**
 * Puts the targets that still have their default (`./data/…`) under `dataDir`; targets configured
 * explicitly to anything else (flag, environment, config file) stay where they are.
 *
 * @example
 * configUnderDataFolder(config, '/tmp/run1').warehouse // 'duckdb:/tmp/run1/warehouse.duckdb'
 */
export function configUnderDataFolder(config: Config, dataDir: string): Config {
  const placed = {
    bus: `embedded:${join(dataDir, 'bus')}`,
    lake: `file:${join(dataDir, 'lake')}`,
    archive: `file:${join(dataDir, 'backup')}`,
    warehouse: `duckdb:${join(dataDir, 'warehouse.duckdb')}`,
  };
  const out: Record<string, unknown> = { ...config };
  for (const key of Object.keys(placed) as (keyof typeof placed)[])
    if (config[key] === SETTINGS[key].default) out[key] = placed[key];
  return Object.freeze(out) as Config;
}

function usage(message: string): ShopstreamError {
  return new ShopstreamError('SHOP_E_USAGE', message);
}
