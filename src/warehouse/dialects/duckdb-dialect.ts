import type { SqlDialect } from './sql-dialect.js';

/**
 * DuckDB SQL. Timestamps are TIMESTAMPTZ, whose date parts follow the session's TimeZone setting, so
 * days and minutes are taken from the UTC wall clock explicitly: a view answers the same in the
 * adapter (which sets TimeZone=UTC) and in a `duckdb` shell in any time zone.
 */
export const DUCKDB_DIALECT: SqlDialect = {
  name: 'duckdb',
  table: (name) => name,
  utcDate: (timestamp) => `CAST(timezone('UTC', ${timestamp}) AS DATE)`,
  minute: (timestamp) => `timezone('UTC', date_trunc('minute', timezone('UTC', ${timestamp})))`,
  epochMillis: (timestamp) => `epoch_ms(${timestamp})`,
  timestampLiteral: (instant) => `TIMESTAMPTZ '${instant.toISOString()}'`,
  double: (expression) => `CAST(${expression} AS DOUBLE)`,
  unnest: (array, element) => ({
    join: `CROSS JOIN UNNEST(${array}) WITH ORDINALITY AS ${element}_rows(${element}, ${element}_position)`,
    element,
    position: `${element}_position`,
  }),
};
