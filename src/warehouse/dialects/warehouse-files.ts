import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../util/project-root.js';
import { TABLES } from '../model/tables.js';
import { VIEWS } from '../model/views.js';
import { BIGQUERY_DIALECT } from './bigquery-dialect.js';
import { bigQueryDdlScript } from './bigquery-ddl.js';
import { bigQueryJsonSchema } from './bigquery-json-schema.js';
import { withDataModelReference } from './data-model-reference.js';
import { duckDbDdlScript } from './duckdb-ddl.js';
import { viewSql } from './view-sql.js';

/** A committed file generated from the model. */
export interface WarehouseFile {
  /** Path relative to the project root. */
  readonly path: string;
  readonly content: string;
}

/** Where Terraform reads the table schemas and the table and view lists (see infra/terraform/bigquery.tf). */
export const TERRAFORM_SCHEMA_DIR = 'infra/terraform/schemas';
/** Where the BigQuery views' SELECTs are committed, one file per view. */
export const BIGQUERY_VIEW_DIR = 'sql/bigquery/views';

/**
 * Every file the warehouse model generates: BigQuery DDL and view SELECTs, the BigQuery JSON schemas
 * and table/view lists for Terraform, the DuckDB DDL, and the generated part of docs/data-model.md
 * (the rest of that page is hand-written and kept as it is).
 */
export function warehouseFiles(): WarehouseFile[] {
  const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';
  const files: WarehouseFile[] = [
    { path: 'sql/bigquery/ddl_ecommerce.sql', content: bigQueryDdlScript() },
    ...VIEWS.map((view) => ({
      path: `${BIGQUERY_VIEW_DIR}/${view.name}.sql`,
      content:
        `-- ${view.name}: ${view.description}\n` +
        '-- Generated from src/warehouse/model/views.ts by `npm run gen`; do not edit.\n' +
        `${viewSql(view, BIGQUERY_DIALECT)}\n`,
    })),
    ...TABLES.map((table) => ({
      path: `${TERRAFORM_SCHEMA_DIR}/${table.name}.json`,
      content: json(bigQueryJsonSchema(table)),
    })),
    {
      path: `${TERRAFORM_SCHEMA_DIR}/tables.json`,
      content: json(
        Object.fromEntries(
          TABLES.map((t) => [
            t.name,
            {
              description: t.description,
              partition_field: t.partitioning?.column ?? null,
              partition_type: 'DAY',
              clustering: t.clustering,
            },
          ]),
        ),
      ),
    },
    {
      path: `${TERRAFORM_SCHEMA_DIR}/views.json`,
      content: json(
        Object.fromEntries(
          // The path is relative to the Terraform module (infra/terraform), as the issue specifies.
          VIEWS.map((v) => [
            v.name,
            { description: v.description, sql_file: `../../${BIGQUERY_VIEW_DIR}/${v.name}.sql` },
          ]),
        ),
      ),
    },
    { path: 'sql/duckdb/ddl_ecommerce.sql', content: duckDbDdlScript() },
    {
      path: 'docs/data-model.md',
      content: withDataModelReference(readFileSync(join(projectRoot(), 'docs/data-model.md'), 'utf8')),
    },
  ];
  return files;
}
