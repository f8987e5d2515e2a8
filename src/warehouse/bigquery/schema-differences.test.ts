import { describe, expect, it } from 'vitest';
import { schemaDifferences } from './schema-differences.js';
import type { TableField } from './table-field.js';

const model: TableField[] = [
  { name: 'id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'n', type: 'INTEGER', mode: 'NULLABLE' },
  {
    name: 'items',
    type: 'RECORD',
    mode: 'REPEATED',
    fields: [{ name: 'price', type: 'NUMERIC', mode: 'REQUIRED' }],
  },
];

describe('schemaDifferences', () => {
  it('finds none between the legacy and the standard spelling of the same schema, in any order', () => {
    const reported: TableField[] = [
      {
        name: 'items',
        type: 'STRUCT',
        mode: 'REPEATED',
        fields: [{ name: 'price', type: 'NUMERIC', mode: 'REQUIRED' }],
      },
      { name: 'ID', type: 'STRING', mode: 'REQUIRED' },
      { name: 'n', type: 'INT64' },
    ];
    expect(schemaDifferences(model, reported)).toEqual([]);
  });

  it('names missing, extra and changed columns, nested ones by their path', () => {
    const reported: TableField[] = [
      { name: 'id', type: 'STRING', mode: 'NULLABLE' },
      {
        name: 'items',
        type: 'RECORD',
        mode: 'REPEATED',
        fields: [{ name: 'price', type: 'FLOAT', mode: 'REQUIRED' }],
      },
      { name: 'old', type: 'STRING' },
    ];
    expect(schemaDifferences(model, reported)).toEqual([
      'id is NULLABLE STRING, the model has REQUIRED STRING',
      'n is missing',
      'items.price is REQUIRED FLOAT64, the model has REQUIRED NUMERIC',
      'old is not in the model',
    ]);
  });
});
