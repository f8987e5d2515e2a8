import { describe, expect, it } from 'vitest';
import { WallClockStamp } from './wall-clock-stamp.js';

describe('WallClockStamp', () => {
  it('gives strictly increasing microsecond times that stay on the wall clock', () => {
    let now = Date.parse('2025-05-05T10:00:00.000Z');
    const stamp = new WallClockStamp(() => now);
    const first = [stamp.next(), stamp.next(), stamp.next()];
    expect(first).toEqual([
      '2025-05-05T10:00:00.000000Z',
      '2025-05-05T10:00:00.000001Z',
      '2025-05-05T10:00:00.000002Z',
    ]);
    now += 5;
    expect(stamp.next()).toBe('2025-05-05T10:00:00.005000Z');
    // A clock that steps back does not make times go backwards.
    now -= 1000;
    expect(stamp.next()).toBe('2025-05-05T10:00:00.005001Z');
    expect(Date.parse(stamp.next())).toBe(Date.parse('2025-05-05T10:00:00.005Z'));
  });
});
