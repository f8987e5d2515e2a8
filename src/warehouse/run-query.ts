import type { Config } from '../config/settings.js';
import { queryRunningUp } from '../up/query-running-up.js';
import { discoveryPathOf, readLiveDiscovery } from '../up/up-discovery.js';
import { openWarehouse } from './open-warehouse.js';
import { readableFoldersOf } from './readable-folders.js';
import type { QueryResult } from './warehouse.js';

type QueryConfig = Pick<Config, 'warehouse' | 'lake' | 'archive'>;

/** Read-only SQL against the configured warehouse, for several statements in a row. */
export interface QueryRunner {
  query(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}

/**
 * Opens the configured warehouse for queries: through a running `shopstream up` when one holds it
 * (it holds the DuckDB file's lock and answers read-only SQL), else directly, confined to the
 * warehouse and the local lake and archive (see confineToWarehouse). The one place to re-route
 * queries.
 */
export async function openQueryRunner(config: QueryConfig): Promise<QueryRunner> {
  const discovery = discoveryPathOf(config.warehouse);
  if (discovery === undefined || !readLiveDiscovery(discovery)) return openDirect(config);
  return {
    // `up` may stop between two statements: then the file is free, and answers itself.
    query: async (sql) => (await queryRunningUp(config.warehouse, sql)) ?? runDirect(config, sql),
    close: async () => undefined,
  };
}

/** Runs one SQL statement against the configured warehouse: what `shopstream query` and `views` do. */
export async function runQuery(config: QueryConfig, sql: string): Promise<QueryResult> {
  return (await queryRunningUp(config.warehouse, sql)) ?? runDirect(config, sql);
}

async function runDirect(config: QueryConfig, sql: string): Promise<QueryResult> {
  const runner = await openDirect(config);
  try {
    return await runner.query(sql);
  } finally {
    await runner.close();
  }
}

async function openDirect(config: QueryConfig): Promise<QueryRunner> {
  const warehouse = await openWarehouse(config.warehouse, { readableDirectories: readableFoldersOf(config) });
  try {
    await warehouse.start();
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  return { query: (sql) => warehouse.query(sql), close: () => warehouse.close() };
}
