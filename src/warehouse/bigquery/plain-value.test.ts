import { BigQuery } from '@google-cloud/bigquery';
import { describe, expect, it } from 'vitest';
import { integerOfText, plainValue } from './plain-value.js';

describe('plainValue', () => {
  it("unwraps the library's typed values into plain JS", () => {
    expect(plainValue(BigQuery.timestamp('2024-05-01T08:00:00.123456Z'))).toBe('2024-05-01T08:00:00.123456Z');
    expect(plainValue(BigQuery.timestamp('2024-05-01T08:00:00.5Z'))).toBe('2024-05-01T08:00:00.500Z');
    expect(plainValue(BigQuery.date('2024-05-01'))).toBe('2024-05-01');
    expect(plainValue(BigQuery.datetime('2024-05-01 08:00:00'))).toBe('2024-05-01 08:00:00');
    expect(plainValue(Buffer.from('hi'))).toBe('aGk=');
  });

  it('walks arrays and records', () => {
    expect(plainValue([{ at: BigQuery.date('2024-01-02'), n: 1, s: null }])).toEqual([
      { at: '2024-01-02', n: 1, s: null },
    ]);
  });

  it('turns NUMERIC decimals into numbers when exact, else keeps their text', () => {
    const numeric = (v: string) => {
      const [row] = BigQuery.mergeSchemaWithRows_(
        { fields: [{ name: 'm', type: 'NUMERIC' }] },
        [{ f: [{ v }] }],
        {
          wrapIntegers: false,
          parseJSON: false,
        },
      );
      return plainValue((row as { m: unknown }).m);
    };
    expect(numeric('1003.25')).toBe(1003.25);
    expect(numeric('0.1')).toBe(0.1);
    expect(numeric('-7')).toBe(-7);
    expect(numeric('12345678901234567.123456789')).toBe('12345678901234567.123456789');
  });
});

describe('integerOfText', () => {
  it('keeps integers past 2^53 exact, as text', () => {
    expect(integerOfText('42')).toBe(42);
    expect(integerOfText('9007199254740993')).toBe('9007199254740993');
  });
});
