import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { resolveTrafficProfile } from './load-traffic-profile.js';
import { DEMO_TRAFFIC_PROFILE, SHOP_TRAFFIC_PROFILE } from './traffic-profiles.js';

const dir = mkdtempSync(join(tmpdir(), 'shopstream-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The ShopstreamError resolving `spec` throws (fails the test when it resolves). */
function failure(spec: string): ShopstreamError {
  try {
    resolveTrafficProfile(spec, '--profile');
  } catch (error) {
    expect(error).toBeInstanceOf(ShopstreamError);
    return error as ShopstreamError;
  }
  throw new Error(`${spec} resolved`);
}

describe('resolveTrafficProfile', () => {
  it('resolves the named profiles', () => {
    expect(resolveTrafficProfile('demo', '--profile')).toEqual({
      name: 'demo',
      profile: DEMO_TRAFFIC_PROFILE,
    });
    expect(resolveTrafficProfile('shop', '--profile')).toEqual({
      name: 'shop',
      profile: SHOP_TRAFFIC_PROFILE,
    });
  });

  it('reads a profile file: its fields over the profile it extends (default demo)', () => {
    const quietShop = file(
      'quiet-shop.json',
      '{"extends": "shop", "sessionsPerSecond": 2, "returnProbability": 0.1}',
    );
    expect(resolveTrafficProfile(quietShop, '--profile')).toEqual({
      name: quietShop,
      profile: { ...SHOP_TRAFFIC_PROFILE, sessionsPerSecond: 2, returnProbability: 0.1 },
    });
    const slowDemo = file('slow-demo.json', '{"deliveredAfterSeconds": [60, 120]}');
    expect(resolveTrafficProfile(slowDemo, '--profile').profile).toEqual({
      ...DEMO_TRAFFIC_PROFILE,
      deliveredAfterSeconds: [60, 120],
    });
  });

  it('refuses an unknown field with SHOP_E_CONFIG_UNKNOWN_KEY, naming the file and the field', () => {
    const path = file('typo.json', '{"extends": "shop", "sesionsPerSecond": 2}');
    const error = failure(path);
    expect(error.code).toBe('SHOP_E_CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain(path);
    expect(error.message).toContain('"sesionsPerSecond"');
    expect(error.message).toContain('sessionsPerSecond');
    expect(error.context).toMatchObject({ path, key: 'sesionsPerSecond' });
  });

  it.each([
    ['{"checkoutProbability": 1.5}', 'checkoutProbability', 'a number from 0 to 1'],
    ['{"sessionsPerSecond": "fast"}', 'sessionsPerSecond', 'a number > 0'],
    ['{"shippedAfterSeconds": [600, 60]}', 'shippedAfterSeconds', '0 < min ≤ max'],
    ['{"shippedAfterSeconds": 600}', 'shippedAfterSeconds', '[min, max]'],
    ['{"restockTargetFactor": 1}', 'restockTargetFactor', '≥ 2'],
    ['{"extends": "mall"}', 'extends', 'one of demo, shop'],
  ])('refuses %s with SHOP_E_CONFIG_INVALID, naming %s', (text, key, expected) => {
    const path = file(`bad-${key}.json`, text);
    const error = failure(path);
    expect(error.code).toBe('SHOP_E_CONFIG_INVALID');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain(expected);
  });

  it.each([
    ['a missing file', join(dir, 'missing.json'), /ENOENT/],
    ['a file that is not JSON', file('broken.json', '{"extends": '), /JSON/],
    ['a JSON array', file('array.json', '[1, 2]'), /expected a JSON object/],
  ])('refuses %s with SHOP_E_CONFIG_FILE', (_case, path, message) => {
    const error = failure(path);
    expect(error.code).toBe('SHOP_E_CONFIG_FILE');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(message);
  });

  it('refuses what is neither a profile name nor a .json file, saying what it takes', () => {
    const error = failure('mall');
    expect(error.code).toBe('SHOP_E_CONFIG_INVALID');
    expect(error.message).toBe(
      '--profile "mall": expected demo, shop, or a profile file (a path ending in .json)',
    );
  });
});
