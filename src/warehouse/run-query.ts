import type { Config } from '../config/settings.js';
import { queryRunningUp } from '../up/query-running-up.js';
import { openWarehouse } from './open-warehouse.js';
import { readableFoldersOf } from './readable-folders.js';
import type { QueryResult } from './warehouse.js';

/**
 * Runs one SQL statement against the configured warehouse and closes it again: what
 * `shopstream query` and `shopstream views` do. It is the one place to re-route queries (for
 * example to a running `shopstream up`, which holds the DuckDB file's lock).
 */
export async function runQuery(
  config: Pick<Config, 'warehouse' | 'lake' | 'archive'>,
  sql: string,
): Promise<QueryResult> {
  // A running `shopstream up` holds the DuckDB file: it answers read-only SQL for us instead.
  const routed = await queryRunningUp(config.warehouse, sql);
  if (routed) return routed;
  // Queries reach the warehouse and the local lake and archive, nothing else (see confineToWarehouse).
  const warehouse = await openWarehouse(config.warehouse, { readableDirectories: readableFoldersOf(config) });
  await warehouse.start();
  try {
    return await warehouse.query(sql);
  } finally {
    await warehouse.close();
  }
}
