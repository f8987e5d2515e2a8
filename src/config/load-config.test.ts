import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { loadConfig, type LoadConfigOptions } from './load-config.js';
import { SETTINGS, envNameOf } from './settings.js';

const directory = mkdtempSync(join(tmpdir(), 'shopstream-config-'));
const home = process.cwd();
let files = 0;

/** Writes a config file and returns its path. */
function file(content: unknown): string {
  const path = join(directory, `config-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The ShopstreamError loadConfig throws (fails the test when it does not throw). */
function failure(options: LoadConfigOptions): ShopstreamError {
  try {
    loadConfig(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ShopstreamError);
    return error as ShopstreamError;
  }
  throw new Error('loadConfig did not throw');
}

// An empty folder as working directory, so no ./shopstream.config.json of the project interferes.
beforeAll(() => process.chdir(directory));
afterEach(() => process.chdir(directory));
afterAll(() => {
  process.chdir(home);
  rmSync(directory, { recursive: true, force: true });
});

describe('loadConfig precedence: flags > env > file > defaults', () => {
  it('gives every key its default when nothing is set', () => {
    const config = loadConfig({ env: {} });
    for (const [key, setting] of Object.entries(SETTINGS))
      expect(config[key as keyof typeof config], key).toEqual(setting.default);
    expect(config.bus).toBe('embedded:./data/bus');
    expect(config.topic).toBe('backend-events-topic');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lets each source override the ones below it, key by key', () => {
    const path = file({
      bus: 'embedded:/from-file',
      lake: 'file:/from-file',
      topic: 'file-topic',
      logLevel: 'warn',
    });
    const config = loadConfig({
      file: path,
      env: { SHOPSTREAM_LAKE: 'gs://from-env', SHOPSTREAM_TOPIC: 'env-topic' },
      flags: { topic: 'flag-topic' },
    });
    expect(config.bus).toBe('embedded:/from-file'); // file only
    expect(config.lake).toBe('gs://from-env'); // env over file
    expect(config.topic).toBe('flag-topic'); // flag over env over file
    expect(config.logLevel).toBe('warn'); // file over default
    expect(config.subscription).toBe('backend-events-topic-sub'); // default
  });

  it('ignores flags that are undefined (not given on the command line)', () => {
    const config = loadConfig({ env: { SHOPSTREAM_BUS: 'pubsub:my-project' }, flags: { bus: undefined } });
    expect(config.bus).toBe('pubsub:my-project');
  });

  it('reads nested keys from the file and dotted keys from env and flags, as numbers', () => {
    const path = file({ pipeline: { flushMaxAgeMs: 250, flushMaxRecords: 10 }, 'contract.maxFutureMs': 5 });
    const config = loadConfig({
      file: path,
      env: { SHOPSTREAM_PIPELINE_FLUSH_MAX_RECORDS: '20' },
      flags: { 'contract.maxFutureMs': '7' },
    });
    expect(config['pipeline.flushMaxAgeMs']).toBe(250);
    expect(config['pipeline.flushMaxRecords']).toBe(20);
    expect(config['contract.maxFutureMs']).toBe(7);
  });

  it('finds the file through SHOPSTREAM_CONFIG, else ./shopstream.config.json', () => {
    const path = file({ topic: 'pointed-to' });
    expect(loadConfig({ env: { SHOPSTREAM_CONFIG: path } }).topic).toBe('pointed-to');
    writeFileSync(join(directory, 'shopstream.config.json'), JSON.stringify({ topic: 'found-here' }));
    try {
      expect(loadConfig({ env: {} }).topic).toBe('found-here');
      // An explicit file wins over the one in the working directory.
      expect(loadConfig({ env: {}, file: path }).topic).toBe('pointed-to');
    } finally {
      rmSync(join(directory, 'shopstream.config.json'));
    }
  });

  it('maps every key to its documented environment variable', () => {
    expect(envNameOf('bus')).toBe('SHOPSTREAM_BUS');
    expect(envNameOf('deadLetterTopic')).toBe('SHOPSTREAM_DEAD_LETTER_TOPIC');
    expect(envNameOf('pipeline.flushMaxAgeMs')).toBe('SHOPSTREAM_PIPELINE_FLUSH_MAX_AGE_MS');
    for (const [key, setting] of Object.entries(SETTINGS)) {
      const raw = typeof setting.default === 'string' ? setting.default : String(setting.default);
      const changed = loadConfig({ env: { [envNameOf(key)]: raw } });
      expect(changed[key as keyof typeof changed], key).toEqual(setting.default);
    }
  });
});

describe('loadConfig rejects unknown keys, naming the key and the source', () => {
  it('in the file', () => {
    const error = failure({ env: {}, file: file({ buss: 'embedded:/x' }) });
    expect(error.code).toBe('SHOP_E_CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain('buss');
    expect(error.message).toContain('file');
  });

  it('nested in the file', () => {
    const error = failure({ env: {}, file: file({ pipeline: { flushMaxAge: 5 } }) });
    expect(error.code).toBe('SHOP_E_CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain('pipeline.flushMaxAge');
  });

  it('in the environment (SHOPSTREAM_* only)', () => {
    const error = failure({ env: { SHOPSTREAM_BUSS: 'embedded:/x' } });
    expect(error.code).toBe('SHOP_E_CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain('SHOPSTREAM_BUSS');
    expect(error.message).toContain('env');
    expect(loadConfig({ env: { PATH: '/bin', PUBSUB_EMULATOR_HOST: 'localhost:8085' } }).bus).toBe(
      'embedded:./data/bus',
    );
  });

  it('in the flags', () => {
    const error = failure({ env: {}, flags: { 'pipeline.nope': '1' } });
    expect(error.code).toBe('SHOP_E_CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain('pipeline.nope');
    expect(error.message).toContain('flag');
  });
});

describe('loadConfig rejects bad values, naming the key, where it came from and what is expected', () => {
  it.each([
    ['bus', 'kafka:localhost', /embedded:<folder> or pubsub:<project-id>/],
    ['bus', 'embedded:', /names no target/],
    ['lake', 's3://bucket', /file:<folder> or gs:\/\//],
    ['warehouse', 'postgres:db', /duckdb:<file> or bigquery:/],
    ['topic', '1-starts-with-a-digit', /Pub\/Sub resource name/],
    ['maxDeliveryAttempts', '4', /whole number from 5 to 100/],
    ['ackDeadlineSeconds', 'ten', /whole number from 10 to 600/],
    ['logLevel', 'loud', /one of: fatal, error, warn, info, debug, trace, silent/],
    ['contract.minTimestamp', '2000-01-01', /RFC 3339 date-time with an offset/],
    ['pipeline.flushMaxAgeMs', '1.5', /whole number/],
    ['seed', '-1', /whole number from 0/],
    ['generator.maxTriggerCount', '0', /whole number from 1/],
  ])('%s = %s', (key, value, expected) => {
    const fromEnv = failure({ env: { [envNameOf(key)]: value } });
    expect(fromEnv.code).toBe('SHOP_E_CONFIG_INVALID');
    expect(fromEnv.message).toContain(`${envNameOf(key)} (environment)`);
    expect(fromEnv.message).toMatch(expected);
    expect(fromEnv.message).toContain(JSON.stringify(value));

    const path = file({ [key]: value });
    const fromFile = failure({ env: {}, file: path });
    expect(fromFile.code).toBe('SHOP_E_CONFIG_INVALID');
    expect(fromFile.message).toContain(`"${key}" in ${path}`);

    const fromFlag = failure({ env: {}, flags: { [key]: value } });
    expect(fromFlag.code).toBe('SHOP_E_CONFIG_INVALID');
    expect(fromFlag.message).toContain(key.includes('.') ? `--set ${key}` : `--${key}`);
    expect(fromFlag.context).toMatchObject({ key, source: 'flag' });
  });

  it('rejects a value of the wrong JSON type in the file', () => {
    const error = failure({ env: {}, file: file({ ackDeadlineSeconds: '60s', bus: 5 }) });
    expect(error.code).toBe('SHOP_E_CONFIG_INVALID');
  });

  it('reports a bad value even when a higher source would override it', () => {
    // Every layer must be valid on its own: a typo in the file is an error, not silently shadowed.
    const error = failure({ env: { SHOPSTREAM_BUS: 'nope' }, flags: { bus: 'embedded:/ok' } });
    expect(error.message).toContain('SHOPSTREAM_BUS');
  });
});

describe('loadConfig rejects a config file that is not a JSON object of settings', () => {
  it.each([
    ['missing', null],
    ['not JSON', '{ bus: embedded }'],
    ['an array', '[]'],
    ['a string', '"bus"'],
  ])('%s', (_name, content) => {
    const path = content === null ? join(directory, 'does-not-exist.json') : file(content);
    const error = failure({ env: {}, file: path });
    expect(error.code).toBe('SHOP_E_CONFIG_FILE');
    expect(error.message).toContain(path);
  });
});
