import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalText, storageRowOf, timestampMicros } from './storage-row.js';
import type { TableField } from './table-field.js';

describe('timestampMicros', () => {
  it('converts RFC 3339 with any offset to UTC microseconds, exactly', () => {
    expect(timestampMicros('1970-01-01T00:00:00Z')).toBe(0);
    expect(timestampMicros('2024-05-01T10:15:30.123456+02:00')).toBe(
      Date.UTC(2024, 4, 1, 8, 15, 30) * 1000 + 123456,
    );
    expect(timestampMicros('2024-05-01T08:15:30.5Z')).toBe(Date.UTC(2024, 4, 1, 8, 15, 30) * 1000 + 500000);
    expect(timestampMicros('2023-12-31t23:30:00.000001-01:00')).toBe(Date.UTC(2024, 0, 1, 0, 30) * 1000 + 1);
  });

  it('truncates past the microsecond, as a BigQuery TIMESTAMP does', () => {
    expect(timestampMicros('2024-05-01T00:00:00.123456789Z')).toBe(Date.UTC(2024, 4, 1) * 1000 + 123456);
  });

  it('agrees with Date for every millisecond timestamp', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          expect(timestampMicros(d.toISOString())).toBe(d.getTime() * 1000);
        },
      ),
    );
  });

  it('refuses text that is not RFC 3339 with a typed, non-retryable error', () => {
    for (const bad of ['2024-05-01', '2024-05-01T10:00:00', '2024-02-30T00:00:00Z', 'yesterday']) {
      expect(() => timestampMicros(bad, 'orders.order_date'), bad).toThrow(
        expect.objectContaining({ code: 'SHOP_E_WAREHOUSE_REJECTED', retryable: false }),
      );
    }
  });
});

describe('decimalText', () => {
  it("writes a JSON number's digits, never an exponent", () => {
    expect(decimalText(19.99)).toBe('19.99');
    expect(decimalText(0.1)).toBe('0.1');
    expect(decimalText(100)).toBe('100');
    expect(decimalText(-3.5)).toBe('-3.5');
    expect(decimalText(1e-9)).toBe('0.000000001');
    expect(decimalText(1e21)).toBe('1000000000000000000000');
    expect(decimalText(123456789012345680000)).toBe('123456789012345680000');
    expect(decimalText(10n ** 30n)).toBe('1' + '0'.repeat(30));
  });

  it("rounds to NUMERIC's 9 decimals", () => {
    expect(decimalText(0.1 + 0.2)).toBe('0.3');
    expect(decimalText(1e-10)).toBe('0');
    expect(decimalText(2.0000000005)).toBe('2.000000001');
  });

  it('reads back as the same number for money-like values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (cents) => {
        const amount = cents / 100;
        const text = decimalText(amount);
        expect(text).toMatch(/^\d+(\.\d{1,2})?$/);
        expect(Number(text)).toBe(amount);
      }),
    );
  });

  it('refuses NaN and infinities', () => {
    expect(() => decimalText(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'SHOP_E_WAREHOUSE_REJECTED' }),
    );
    expect(() => decimalText(Infinity)).toThrow(
      expect.objectContaining({ code: 'SHOP_E_WAREHOUSE_REJECTED' }),
    );
  });
});

describe('storageRowOf', () => {
  const fields: TableField[] = [
    { name: 'id', type: 'STRING', mode: 'REQUIRED' },
    { name: 'at', type: 'TIMESTAMP', mode: 'REQUIRED' },
    { name: 'day', type: 'DATE' },
    { name: 'amount', type: 'NUMERIC' },
    { name: 'count', type: 'INTEGER' },
    {
      name: 'items',
      type: 'RECORD',
      mode: 'REPEATED',
      fields: [
        { name: 'sku', type: 'STRING' },
        { name: 'price', type: 'NUMERIC' },
      ],
    },
    { name: 'where', type: 'STRUCT', fields: [{ name: 'city', type: 'STRING' }] },
    { name: 'tags', type: 'STRING', mode: 'REPEATED' },
  ];

  it('gives each column the form its protobuf field takes', () => {
    expect(
      storageRowOf(fields, {
        id: 'a',
        at: '1970-01-01T00:00:01.000002Z',
        day: '1970-01-11',
        amount: 12.5,
        count: -3,
        items: [{ sku: 'x', price: 0.1 }],
        where: { city: 'Lyon' },
        tags: ['p', 'q'],
      }),
    ).toEqual({
      id: 'a',
      at: 1_000_002,
      day: 10,
      amount: '12.5',
      count: -3,
      items: [{ sku: 'x', price: '0.1' }],
      where: { city: 'Lyon' },
      tags: ['p', 'q'],
    });
  });

  it('leaves out nulls, missing values and columns the table does not have', () => {
    expect(
      storageRowOf(fields, { id: 'a', at: '1970-01-01T00:00:00Z', amount: null, extra: 'dropped' }),
    ).toEqual({
      id: 'a',
      at: 0,
    });
  });

  it('keeps a NUMERIC given as text as it is', () => {
    expect(storageRowOf(fields, { id: 'a', at: '1970-01-01T00:00:00Z', amount: '1.230' })).toMatchObject({
      amount: '1.230',
    });
  });

  it('names the column of a value it cannot convert', () => {
    expect(() =>
      storageRowOf(fields, { id: 'a', at: '1970-01-01T00:00:00Z', items: [{ price: 'x' }, { price: {} }] }),
    ).toThrow(/items\[1\]\.price/);
    expect(() => storageRowOf(fields, { id: 'a', at: 12 })).toThrow(/column at needs an RFC 3339/);
    expect(() => storageRowOf(fields, { id: 'a', at: '1970-01-01T00:00:00Z', tags: 'p' })).toThrow(
      /tags needs an array/,
    );
  });
});
