import { describe, expect, it } from 'vitest';
import { formatQueryResult } from './query-result-format.js';

const result = {
  columns: ['name', 'amount', 'tags', 'note'],
  rows: [
    { name: 'Chair, "big"', amount: 19.99, tags: ['a', 'b'], note: null },
    { name: 'Pen', amount: 0.125, tags: [], note: `line one\nline two ${'x'.repeat(80)}` },
  ],
};

describe('formatQueryResult', () => {
  it('prints a table with numbers aligned right, NULL shown, long cells cut, and a row count', () => {
    const lines = formatQueryResult(result, 'table').trimEnd().split('\n');
    expect(lines[0]).toBe('name         │ amount │ tags      │ note');
    expect(lines[2]).toBe('Chair, "big" │  19.99 │ ["a","b"] │ NULL');
    expect(lines[3]).toMatch(/^Pen {10}│ {2}0\.125 │ \[\] {8}│ line one line two x+…$/);
    expect(lines[3]!.split('│')[3]!.trim()).toHaveLength(60);
    expect(lines.at(-1)).toBe('(2 rows)');
  });

  it('prints JSON rows whole, and RFC 4180 CSV with nested values as JSON', () => {
    expect(JSON.parse(formatQueryResult(result, 'json'))).toEqual(result.rows);
    expect(formatQueryResult(result, 'csv')).toBe(
      'name,amount,tags,note\r\n' +
        '"Chair, ""big""",19.99,"[""a"",""b""]",\r\n' +
        `Pen,0.125,[],"line one\nline two ${'x'.repeat(80)}"\r\n`,
    );
  });

  it('prints the header of an empty result', () => {
    expect(formatQueryResult({ columns: ['a'], rows: [] }, 'table')).toBe('a\n─\n(0 rows)\n');
    expect(formatQueryResult({ columns: ['a'], rows: [] }, 'csv')).toBe('a\r\n');
  });
});
