import { describe, expect, it } from 'vitest';
import { mergedSchema } from './merged-schema.js';
import type { TableField } from './table-field.js';

describe('mergedSchema', () => {
  it('keeps the table’s fields in their order and appends the model’s new ones at the end of each record', () => {
    const current: TableField[] = [
      { name: 'id', type: 'STRING', mode: 'REQUIRED' },
      { name: 'items', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'price', type: 'NUMERIC' }] },
      { name: 'coupon', type: 'STRING', mode: 'NULLABLE' },
    ];
    const model: TableField[] = [
      { name: 'id', type: 'STRING', mode: 'REQUIRED' },
      {
        name: 'gift',
        type: 'RECORD',
        mode: 'NULLABLE',
        fields: [{ name: 'note', type: 'STRING', mode: 'REQUIRED' }],
      },
      {
        name: 'items',
        type: 'RECORD',
        mode: 'REPEATED',
        fields: [
          { name: 'discount', type: 'NUMERIC' },
          { name: 'price', type: 'NUMERIC' },
        ],
      },
      { name: 'coupon', type: 'STRING', mode: 'NULLABLE' },
    ];
    expect(mergedSchema(current, model)).toEqual([
      current[0],
      {
        ...current[1],
        fields: [
          { name: 'price', type: 'NUMERIC' },
          { name: 'discount', type: 'NUMERIC' },
        ],
      },
      current[2],
      model[1],
    ]);
  });
});
