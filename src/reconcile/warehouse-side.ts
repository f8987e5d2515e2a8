import type { SqlDialect } from '../warehouse/dialects/sql-dialect.js';
import { tableNamed } from '../warehouse/model/tables.js';
import { EVENT_TABLES } from '../warehouse/rows.js';
import type { QueryResult } from '../warehouse/warehouse.js';
import type { EventType } from '../contract/event-types.js';
import type { Ledger } from './ledger.js';
import type { ReconcileProgressListener } from './reconcile-progress.js';

/** Runs one read-only statement; through a running `shopstream up` where one holds the warehouse. */
export type QueryFunction = (sql: string) => Promise<QueryResult>;

const TYPE_OF_TABLE: Readonly<Record<(typeof EVENT_TABLES)[number], EventType>> = {
  orders: 'order',
  inventory: 'inventory',
  user_activity: 'user_activity',
};

/**
 * What the warehouse holds: the event ids of each raw table at their own time (the table's partition
 * column, so BigQuery reads only the partitions of the range), and the DLQ's `ingest_errors` with
 * their codes and publish times. The DLQ is read from `dlqFromMs` on, wider than the range: a
 * record's publish time is not its bucket (see Ledger.recordDeadLettered).
 */
export async function readWarehouse(
  query: QueryFunction,
  dialect: SqlDialect,
  ledger: Ledger,
  range: { readonly fromMs: number; readonly toMs: number; readonly dlqFromMs: number },
  onProgress: ReconcileProgressListener,
): Promise<void> {
  const total = EVENT_TABLES.length + 1;
  onProgress({ side: 'warehouse', done: 0, total });
  for (const [index, table] of EVENT_TABLES.entries()) {
    const time = tableNamed(table).partitioning!.column;
    const result = await query(
      `SELECT event_id, ${dialect.epochMillis(time)} AS t FROM ${table}${between(dialect, time, range.fromMs, range.toMs)}`,
    );
    for (const row of result.rows)
      ledger.recordWarehouse(String(row.event_id), { type: TYPE_OF_TABLE[table], timeMs: Number(row.t) });
    onProgress({ side: 'warehouse', done: index + 1, total });
  }
  const errors = await query(
    `SELECT event_id, error_code, ${dialect.epochMillis('publish_time')} AS t FROM ingest_errors${between(dialect, 'publish_time', range.dlqFromMs, Number.POSITIVE_INFINITY)}`,
  );
  for (const row of errors.rows)
    ledger.recordDeadLettered(String(row.event_id), String(row.error_code), Number(row.t));
  onProgress({ side: 'warehouse', done: total, total });
}

function between(dialect: SqlDialect, column: string, fromMs: number, toMs: number): string {
  const bounds: string[] = [];
  if (Number.isFinite(fromMs)) bounds.push(`${column} >= ${dialect.timestampLiteral(new Date(fromMs))}`);
  if (Number.isFinite(toMs)) bounds.push(`${column} < ${dialect.timestampLiteral(new Date(toMs))}`);
  return bounds.length === 0 ? '' : ` WHERE ${bounds.join(' AND ')}`;
}
