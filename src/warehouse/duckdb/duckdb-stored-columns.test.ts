import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckDbCreateTable } from '../dialects/duckdb-ddl.js';
import { planTableMigration } from '../migration/plan-table-migration.js';
import { TABLES } from '../model/tables.js';
import { duckDbStoredAs, parseDuckDbType, readDuckDbColumns } from './duckdb-stored-columns.js';

describe('parseDuckDbType', () => {
  it('reads nested STRUCTs, lists, arguments, multi-word and quoted names', () => {
    expect(
      parseDuckDbType(
        'STRUCT(product_id VARCHAR, "odd ""name""" DECIMAL(38,9), t TIMESTAMP WITH TIME ZONE)[]',
      ),
    ).toEqual({
      name: 'STRUCT',
      lists: 1,
      fields: [
        { name: 'product_id', type: { name: 'VARCHAR', lists: 0 } },
        { name: 'odd "name"', type: { name: 'DECIMAL(38,9)', lists: 0 } },
        { name: 't', type: { name: 'TIMESTAMP WITH TIME ZONE', lists: 0 } },
      ],
    });
    expect(() => parseDuckDbType('STRUCT(a VARCHAR')).toThrow(/DuckDB type/);
  });

  it('reads back from a real DuckDB catalog every table the DDL makes, with nothing to migrate', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const table of TABLES) await connection.run(duckDbCreateTable(table));
      const stored = await readDuckDbColumns(connection);
      for (const table of TABLES)
        expect(planTableMigration(table, stored.get(table.name)!, duckDbStoredAs), table.name).toEqual({
          additions: [],
          conflicts: [],
        });
      expect(stored.get('orders')!.find((c) => c.name === 'items')).toMatchObject({
        type: 'STRUCT',
        mode: 'REPEATED',
        fields: expect.arrayContaining([{ name: 'price', type: 'DECIMAL(38,9)', mode: 'NULLABLE' }]),
      });
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
