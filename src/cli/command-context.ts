import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/settings.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { createLogger, type Logger } from '../telemetry/logger.js';

/** What every command action starts from: the resolved configuration and a logger. */
export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
}

/**
 * Resolves the configuration for a command from its global flags (`--bus`, `--set k=v`, …), the
 * environment, and the config file. Throws a SHOP_E_CONFIG_* error naming the bad key.
 */
export function commandContext(command: Command): CommandContext {
  const opts = command.optsWithGlobals<{
    config?: string;
    bus?: string;
    lake?: string;
    archive?: string;
    warehouse?: string;
    logLevel?: string;
    set?: string[];
  }>();
  const flags: Record<string, unknown> = {
    bus: opts.bus,
    lake: opts.lake,
    archive: opts.archive,
    warehouse: opts.warehouse,
    logLevel: opts.logLevel,
  };
  for (const pair of opts.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new ShopstreamError(
        'SHOP_E_USAGE',
        `--set ${pair}: expected key=value, for example --set pipeline.flushMaxAgeMs=500`,
      );
    flags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const config = loadConfig({ flags, ...(opts.config ? { file: opts.config } : {}) });
  return { config, logger: createLogger(config.logLevel) };
}

/** Parses a duration flag: `500ms`, `30s`, `10m`, `1h`, or plain seconds; at least `minMs` (default 0). */
export function parseDuration(flag: string, raw: string, minMs = 0): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!m)
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `${flag} ${raw}: expected a duration such as 30s, 10m or 500ms`,
    );
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(Number(m[1]) * unit);
  if (ms < minMs)
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `${flag} ${raw}: must be at least ${minMs} ms, for example 500ms`,
    );
  return ms;
}

/** Parses a positive whole-number flag, with a message naming the flag. */
export function parsePositiveInt(flag: string, raw: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max)
    throw new ShopstreamError('SHOP_E_USAGE', `${flag} ${raw}: expected a whole number from 1 to ${max}`);
  return n;
}
