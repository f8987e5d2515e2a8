import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsoTimeFormatter } from './iso-time-formatter.js';

describe('IsoTimeFormatter', () => {
  it('formats exactly like Date#toISOString, in any order of times', () => {
    const formatter = new IsoTimeFormatter();
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') }),
        (ms) => {
          expect(formatter.format(ms)).toBe(new Date(ms).toISOString());
          expect(formatter.format(ms + 59_999)).toBe(new Date(ms + 59_999).toISOString());
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('handles minute and day boundaries', () => {
    const formatter = new IsoTimeFormatter();
    for (const t of ['2024-02-28T23:59:59.999Z', '2024-02-29T00:00:00.000Z', '2024-12-31T23:59:00.001Z'])
      expect(formatter.format(Date.parse(t))).toBe(t);
  });
});
