import sqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { bigQueryJsonSchema } from '../dialects/bigquery-json-schema.js';
import { TABLES } from '../model/tables.js';
import { VIEWS } from '../model/views.js';
import { loadRowOf, tableFieldsOf, tableResourceOf, viewResourceOf } from './model-resources.js';

describe('model resources', () => {
  it('describes each table with the JSON schema Terraform applies, its partitioning and clustering', () => {
    for (const table of TABLES) {
      const resource = tableResourceOf(table);
      expect(resource.schema?.fields).toEqual(bigQueryJsonSchema(table));
      expect(resource.timePartitioning).toEqual(
        table.partitioning ? { type: 'DAY', field: table.partitioning.column } : undefined,
      );
      expect(resource.clustering).toEqual(
        table.clustering.length > 0 ? { fields: table.clustering } : undefined,
      );
    }
  });

  it('writes each view as GoogleSQL for the dataset, which node-sql-parser reads as BigQuery', () => {
    const parser = new sqlParser.Parser();
    for (const view of VIEWS) {
      const query = viewResourceOf(view, 'my-project', 'shop').view!.query;
      expect(query).not.toContain('${');
      expect(() => parser.astify(query, { database: 'BigQuery' }), view.name).not.toThrow();
      for (const entry of parser.tableList(query, { database: 'BigQuery' })) {
        const name = entry
          .split('::')
          .slice(1)
          .filter((part) => part !== 'null')
          .join('.');
        // Either a CTE (bare name) or a table of this dataset.
        if (name.includes('.')) expect(name, view.name).toMatch(/^my-project\.shop\.\w+$/);
      }
    }
  });

  it('makes load rows with exact NUMERIC text and only known columns', () => {
    expect(
      loadRowOf(tableFieldsOf('ref_products'), {
        product_id: 'p',
        product_name: 'Mug',
        category: 'Kitchen',
        price: 0.1,
        reorder_point: 5,
        extra: 1,
      }),
    ).toEqual({ product_id: 'p', product_name: 'Mug', category: 'Kitchen', price: '0.1', reorder_point: 5 });
  });
});
