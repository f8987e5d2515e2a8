import { describe, expect, it } from 'vitest';
import { RandomSource } from './random-source.js';
import { sharedUserAgentPool } from './user-agent-pool.js';

describe('UserAgentPool', () => {
  const pool = sharedUserAgentPool();

  it('draws real user agents that fit the platform', () => {
    const rng = new RandomSource(1);
    const mobile = Array.from({ length: 300 }, () => pool.pick('mobile', rng));
    const web = Array.from({ length: 300 }, () => pool.pick('web', rng));
    const tablet = Array.from({ length: 300 }, () => pool.pick('tablet', rng));
    for (const agent of [...mobile, ...web, ...tablet]) expect(agent).toMatch(/^Mozilla\/5\.0 \(/);
    expect(mobile.filter((a) => /Mobile|iPhone|Android/.test(a)).length).toBeGreaterThan(270);
    expect(web.filter((a) => /iPhone|iPad|Mobile/.test(a)).length).toBeLessThan(15);
    expect(tablet.filter((a) => /iPad|Android|Tablet|Silk|Kindle/i.test(a)).length).toBeGreaterThan(200);
    // Frequent agents come up often, but there is variety.
    expect(new Set(web).size).toBeGreaterThan(30);
  });

  it('is deterministic for a seeded random source', () => {
    const a = new RandomSource(9);
    const b = new RandomSource(9);
    for (let i = 0; i < 100; i++) expect(pool.pick('web', a)).toBe(pool.pick('web', b));
  });
});
