import type { SqlDialect } from './sql-dialect.js';

/**
 * How a table is named in BigQuery SQL files: Terraform's templatefile() fills `${project}` and
 * `${dataset}`, and the BigQuery adapter substitutes them the same way ({@link fillBigQueryPlaceholders}).
 */
export const BIGQUERY_TABLE_PREFIX = '${project}.${dataset}.';

/** BigQuery Standard SQL. DATE() and TIMESTAMP_TRUNC() of a TIMESTAMP work in UTC unless told otherwise. */
export const BIGQUERY_DIALECT: SqlDialect = {
  name: 'bigquery',
  table: (name) => `\`${BIGQUERY_TABLE_PREFIX}${name}\``,
  utcDate: (timestamp) => `DATE(${timestamp})`,
  minute: (timestamp) => `TIMESTAMP_TRUNC(${timestamp}, MINUTE)`,
  epochMillis: (timestamp) => `UNIX_MILLIS(${timestamp})`,
  timestampLiteral: (instant) => `TIMESTAMP '${instant.toISOString()}'`,
  double: (expression) => `CAST(${expression} AS FLOAT64)`,
  unnest: (array, element) => ({
    join: `CROSS JOIN UNNEST(${array}) AS ${element} WITH OFFSET AS ${element}_offset`,
    element,
    position: `${element}_offset + 1`,
  }),
};

/** Replaces the `${project}` and `${dataset}` placeholders of generated BigQuery SQL. */
export function fillBigQueryPlaceholders(sql: string, project: string, dataset: string): string {
  return sql.replaceAll('${project}', project).replaceAll('${dataset}', dataset);
}
