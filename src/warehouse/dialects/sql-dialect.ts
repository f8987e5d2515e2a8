/**
 * The few places where BigQuery and DuckDB SQL differ, as functions the view definitions call. Everything
 * else in a view is SQL both engines read the same way, so each view is written once.
 *
 * @example
 * `SELECT ${d.utcDate('o.order_date')} AS day FROM ${d.table('orders')} AS o`
 * // BigQuery: SELECT DATE(o.order_date) AS day FROM `${project}.${dataset}.orders` AS o
 * // DuckDB:   SELECT CAST(timezone('UTC', o.order_date) AS DATE) AS day FROM orders AS o
 */
export interface SqlDialect {
  readonly name: 'bigquery' | 'duckdb';
  /** A reference to a table of the dataset. */
  table(name: string): string;
  /** The UTC calendar day of a TIMESTAMP, whatever the session's time zone. */
  utcDate(timestamp: string): string;
  /** A TIMESTAMP truncated to the start of its minute. */
  minute(timestamp: string): string;
  /** A TIMESTAMP as whole milliseconds since the Unix epoch (an integer). */
  epochMillis(timestamp: string): string;
  /** A TIMESTAMP literal of an instant, e.g. for a range in a WHERE clause. */
  timestampLiteral(instant: Date): string;
  /** A number as a double, for ratios: both engines then divide and round the same IEEE doubles. */
  double(expression: string): string;
  /**
   * FROM-clause fragment that joins each row to the elements of one of its arrays, and the
   * expressions that name the element and its 1-based position.
   */
  unnest(
    array: string,
    element: string,
  ): { readonly join: string; readonly element: string; readonly position: string };
}
