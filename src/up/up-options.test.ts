import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { compileUpOptions, configUnderDataFolder } from './up-options.js';

describe('up options', () => {
  it('defaults to 200 events/s, 2% invalid, 127.0.0.1:8080, ./data, no time limit', () => {
    expect(compileUpOptions()).toEqual({
      rate: 200,
      invalidRatio: 0.02,
      port: 8080,
      host: '127.0.0.1',
      durationMs: undefined,
      dataDir: './data',
    });
  });

  it.each([
    [{ rate: 0 }, '--rate'],
    [{ rate: Number.NaN }, '--rate'],
    [{ invalidRatio: 1.5 }, '--invalid-ratio'],
    [{ invalidRatio: -0.1 }, '--invalid-ratio'],
    [{ port: 70_000 }, '--port'],
    [{ port: 80.5 }, '--port'],
    [{ durationMs: 0 }, '--duration'],
    [{ dataDir: '' }, '--data'],
    [{ profile: ' ' }, '--profile'],
    [{ timeScale: 0 }, '--time-scale'],
    [{ timeScale: 2_000_000 }, '--time-scale'],
  ])('refuses %j naming %s', (options, flag) => {
    const error = (() => {
      try {
        compileUpOptions(options);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ShopstreamError);
    expect((error as ShopstreamError).code).toBe('SHOP_E_USAGE');
    expect((error as ShopstreamError).message.startsWith(flag)).toBe(true);
  });

  it('leaves the profile and time scale to the generator.* settings unless given', () => {
    expect(compileUpOptions()).toMatchObject({ profile: undefined, timeScale: undefined });
    expect(compileUpOptions({ profile: 'shop', timeScale: 300 })).toMatchObject({
      profile: 'shop',
      timeScale: 300,
    });
  });

  it('puts default targets under the data folder and leaves explicit ones alone', () => {
    const defaults = configUnderDataFolder(loadConfig({ env: {} }), '/tmp/run1');
    expect([defaults.bus, defaults.lake, defaults.archive, defaults.warehouse]).toEqual([
      'embedded:/tmp/run1/bus',
      'file:/tmp/run1/lake',
      'file:/tmp/run1/backup',
      'duckdb:/tmp/run1/warehouse.duckdb',
    ]);
    const explicit = configUnderDataFolder(
      loadConfig({ env: { SHOPSTREAM_WAREHOUSE: 'duckdb:/srv/w.duckdb' }, flags: { lake: 'gs://bucket/x' } }),
      '/tmp/run1',
    );
    expect([explicit.bus, explicit.lake, explicit.warehouse]).toEqual([
      'embedded:/tmp/run1/bus',
      'gs://bucket/x',
      'duckdb:/srv/w.duckdb',
    ]);
  });
});
