import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitRequests } from './split-requests.js';

describe('splitRequests', () => {
  it('keeps every row, in order, each group within the budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 300 }),
        fc.integer({ min: 100, max: 1000 }),
        (sizes, budget) => {
          const groups = splitRequests(sizes, budget, (s) => s);
          expect(groups.flat()).toEqual(sizes);
          for (const group of groups) {
            expect(group.length).toBeGreaterThan(0);
            expect(group.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(budget);
          }
        },
      ),
    );
  });

  it('fills groups: a group is only closed by a row that would not fit', () => {
    expect(splitRequests([4, 4, 4, 4, 4], 10, (s) => s)).toEqual([[4, 4], [4, 4], [4]]);
  });

  it('sends a row larger than the budget alone', () => {
    expect(splitRequests([3, 50, 3], 10, (s) => s)).toEqual([[3], [50], [3]]);
  });

  it('makes no group of no rows', () => {
    expect(splitRequests([], 10, (s: number) => s)).toEqual([]);
  });
});
