import { describe, expect, it } from 'vitest';
import { RandomSource } from './random-source.js';

describe('RandomSource', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const rng = new RandomSource(seed);
      return Array.from({ length: 20 }, () => rng.uint32());
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
    expect(RandomSource.derive(5, 1).uint32()).not.toBe(RandomSource.derive(5, 2).uint32());
  });

  it('makes distinct RFC 4122 version 4 UUIDs', () => {
    const rng = new RandomSource(1);
    const ids = Array.from({ length: 10_000 }, () => rng.uuid());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps int, between and skewedIndex in range, and next roughly uniform', () => {
    const rng = new RandomSource(3);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = rng.int(-2, 3);
      expect(n).toBeGreaterThanOrEqual(-2);
      expect(n).toBeLessThanOrEqual(3);
      const x = rng.between(5, 6);
      expect(x >= 5 && x < 6).toBe(true);
      const k = rng.skewedIndex(10, 2);
      expect(k >= 0 && k < 10).toBe(true);
      sum += rng.next();
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
  });

  it('draws exponential waits with the requested mean', () => {
    const rng = new RandomSource(4);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += rng.exponential(30);
    expect(sum / 20_000).toBeGreaterThan(28);
    expect(sum / 20_000).toBeLessThan(32);
  });
});
