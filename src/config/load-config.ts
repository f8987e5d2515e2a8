import { existsSync, readFileSync } from 'node:fs';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { SETTINGS, envNameOf, type Config, type SettingKey } from './settings.js';

/** Where a value came from, for error messages. */
type Source = 'flag' | 'env' | 'file' | 'default';

export interface LoadConfigOptions {
  /** Values from command-line flags, by setting key (`bus`, `pipeline.flushMaxAgeMs`). */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** The environment; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A config file (JSON). Else SHOPSTREAM_CONFIG, else ./shopstream.config.json when it exists. */
  readonly file?: string;
}

const KEYS = Object.keys(SETTINGS) as SettingKey[];
const ENV_TO_KEY = new Map(KEYS.map((key) => [envNameOf(key), key]));
/**
 * Environment variables that are ours but are not settings: the config file, the contract folder
 * (contract/contract-folder.ts), and bin/shopstream.js's choice of src/ over dist/.
 */
const META_ENV = new Set(['SHOPSTREAM_CONFIG', 'SHOPSTREAM_SCHEMAS', 'SHOPSTREAM_FROM_SOURCE']);

/**
 * Resolves the configuration: flags > environment > config file > defaults. Unknown keys and bad values
 * throw a ShopstreamError naming the key, where it came from, and what is expected.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const layers: [Source, Record<string, unknown>][] = [];

  const file =
    options.file ??
    env.SHOPSTREAM_CONFIG ??
    (existsSync('shopstream.config.json') ? 'shopstream.config.json' : undefined);
  if (file) layers.push(['file', readConfigFile(file)]);

  const fromEnv: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SHOPSTREAM_') || META_ENV.has(name) || value === undefined) continue;
    const key = ENV_TO_KEY.get(name);
    if (!key) throw unknownKey(name, 'env', [...ENV_TO_KEY.keys()]);
    fromEnv[key] = value;
  }
  layers.push(['env', fromEnv]);
  layers.push([
    'flag',
    Object.fromEntries(Object.entries(options.flags ?? {}).filter(([, v]) => v !== undefined)),
  ]);

  const config: Record<string, unknown> = {};
  for (const key of KEYS) config[key] = SETTINGS[key].default;
  for (const [source, values] of layers) {
    for (const [key, raw] of Object.entries(values)) {
      if (!(key in SETTINGS)) throw unknownKey(key, source, KEYS);
      const parsed = SETTINGS[key as SettingKey].parse(raw);
      if ('error' in parsed) {
        const where =
          source === 'env'
            ? `${envNameOf(key)} (environment)`
            : source === 'file'
              ? `"${key}" in ${file}`
              : key.includes('.')
                ? `--set ${key}`
                : `--${key}`;
        throw new ShopstreamError(
          'SHOP_E_CONFIG_INVALID',
          `${where}: ${parsed.error}; got ${JSON.stringify(raw)}`,
          {
            context: { key, source, value: raw },
          },
        );
      }
      config[key] = parsed.value;
    }
  }
  return Object.freeze(config) as Config;
}

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ShopstreamError('SHOP_E_CONFIG_FILE', `config file ${path}: ${(cause as Error).message}`, {
      cause,
      context: { path },
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ShopstreamError(
      'SHOP_E_CONFIG_FILE',
      `config file ${path}: expected a JSON object of settings`,
      { context: { path } },
    );
  return flatten(parsed as Record<string, unknown>);
}

/** `{ "pipeline": { "flushMaxAgeMs": 5 } }` → `{ "pipeline.flushMaxAgeMs": 5 }`. */
function flatten(object: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const full = prefix + key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(full in SETTINGS))
      Object.assign(out, flatten(value as Record<string, unknown>, `${full}.`));
    else out[full] = value;
  }
  return out;
}

function unknownKey(key: string, source: Source, known: string[]): ShopstreamError {
  const close = known.find((k) =>
    k.toLowerCase().includes(
      key
        .toLowerCase()
        .replace(/^shopstream_/, '')
        .split(/[._]/)[0] ?? '\0',
    ),
  );
  const hint = close ? ` Did you mean ${close}?` : ` Known keys: see docs/configuration.md.`;
  return new ShopstreamError(
    'SHOP_E_CONFIG_UNKNOWN_KEY',
    `unknown configuration key ${key} (${source}).${hint}`,
    {
      context: { key, source },
    },
  );
}
