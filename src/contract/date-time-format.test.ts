import fc from 'fast-check';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { describe, expect, it } from 'vitest';
import { isDateTime } from './date-time-format.js';

const full = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate;

/** Texts shaped like timestamps, with any part possibly out of range or replaced by a stray character. */
const part = (digits: number, max: number) =>
  fc.oneof(
    fc.integer({ min: 0, max }).map((n) => String(n).padStart(digits, '0')),
    fc.string({ minLength: digits, maxLength: digits }),
  );
const timestampLike = fc
  .tuple(
    part(4, 9999),
    fc.constantFrom('-', '/', 'x'),
    part(2, 13),
    part(2, 32),
    fc.constantFrom('T', 't', ' ', '_'),
    part(2, 25),
    part(2, 61),
    part(2, 61),
    fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 8 }).map((f) => `.${f}`),
      fc.nat(999_999_999).map((f) => `.${f}`),
    ),
    fc.constantFrom('Z', 'z', '', '+05:30', '-00:00', 'ZZ', '+24:00'),
  )
  .map(
    ([y, sep, mo, d, t, h, mi, s, fraction, zone]) =>
      `${y}${sep}${mo}-${d}${t}${h}:${mi}:${s}${fraction}${zone}`,
  );

describe('isDateTime', () => {
  it('answers as ajv-formats full date-time on timestamp-shaped and arbitrary texts', () => {
    fc.assert(
      fc.property(fc.oneof(timestampLike, fc.string({ maxLength: 32 })), (text) => {
        expect(isDateTime(text)).toBe(full(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts leap days only in leap years, and rejects hour 24 and minute 60 in UTC', () => {
    expect(isDateTime('2024-02-29T10:00:00Z')).toBe(true);
    expect(isDateTime('2023-02-29T10:00:00Z')).toBe(false);
    expect(isDateTime('1900-02-29T10:00:00Z')).toBe(false);
    expect(isDateTime('2000-02-29T10:00:00.123456Z')).toBe(true);
    expect(isDateTime('2024-05-01T24:00:00Z')).toBe(false);
    expect(isDateTime('2024-05-01T10:60:00Z')).toBe(false);
    expect(isDateTime('2024-05-01T10:00:00.Z')).toBe(false);
  });
});
