import { describe, expect, it } from 'vitest';
import { columnsFromSchema, enumValues } from './columns-from-schema.js';

describe('columnsFromSchema', () => {
  const schema = {
    type: 'object',
    required: ['id', 'at', 'lines'],
    properties: {
      kind: { const: 'x', description: 'Dropped.' },
      id: { $ref: 'common.schema.json#/$defs/uuid', description: 'Own description wins.' },
      at: { $ref: 'common.schema.json#/$defs/timestamp' },
      flag: { type: 'boolean', description: 'Optional.' },
      lines: {
        type: 'array',
        description: 'Lines.',
        items: {
          type: 'object',
          required: ['n'],
          properties: { n: { type: 'integer', description: 'N.' }, amount: { type: 'number' } },
        },
      },
      mode: { enum: ['a', 'b'], description: 'Mode.' },
    },
  };

  it('maps JSON Schema to columns, resolving $refs and keeping the contract descriptions', () => {
    const columns = columnsFromSchema(schema, { 'lines.amount': 'Amount (from the fallbacks).' });
    expect(columns.map((c) => [c.name, c.type, c.mode, c.description])).toEqual([
      ['id', 'STRING', 'REQUIRED', 'Own description wins.'],
      [
        'at',
        'TIMESTAMP',
        'REQUIRED',
        'An RFC 3339 date-time with an explicit offset (Z or ±hh:mm). Stored in UTC.',
      ],
      ['flag', 'BOOL', 'NULLABLE', 'Optional.'],
      ['lines', 'STRUCT', 'REPEATED', 'Lines.'],
      ['mode', 'STRING', 'NULLABLE', 'Mode.'],
    ]);
    expect(columns[3]!.fields!.map((f) => [f.name, f.type, f.mode, f.description])).toEqual([
      ['n', 'INT64', 'REQUIRED', 'N.'],
      ['amount', 'NUMERIC', 'NULLABLE', 'Amount (from the fallbacks).'],
    ]);
  });

  it('refuses a property without a description, so no column goes undocumented', () => {
    expect(() => columnsFromSchema(schema)).toThrow(/lines\.amount has no description/);
  });

  it('reads enum values at a dotted path', () => {
    expect(
      enumValues({ properties: { m: { type: 'object', properties: { p: { enum: ['x', 'y'] } } } } }, 'm.p'),
    ).toEqual(['x', 'y']);
    expect(() => enumValues(schema, 'flag')).toThrow(/not an enum/);
  });
});
