import { openBackfillSource } from '../archive/sources/open-backfill-source.js';
import { contractSettingsOf } from '../config/contract-settings.js';
import type { Config } from '../config/settings.js';
import { openLake } from '../lake/open-lake.js';
import { BIGQUERY_DIALECT } from '../warehouse/dialects/bigquery-dialect.js';
import { DUCKDB_DIALECT } from '../warehouse/dialects/duckdb-dialect.js';
import type { SqlDialect } from '../warehouse/dialects/sql-dialect.js';
import { openQueryRunner } from '../warehouse/run-query.js';
import type { ReconcileReport } from './ledger.js';
import type { ReconcileOptions } from './reconcile-options.js';
import type { ReconcileProgressListener } from './reconcile-progress.js';
import { reconcile } from './reconcile.js';
import type { QueryFunction } from './warehouse-side.js';

/** The SQL dialect of a warehouse URI. */
export function dialectOf(warehouseUri: string): SqlDialect {
  return warehouseUri.startsWith('bigquery:') ? BIGQUERY_DIALECT : DUCKDB_DIALECT;
}

/**
 * Reconciles the configured deployment: the archive, lake and warehouse the configuration names
 * (local folders or gs://, DuckDB or BigQuery). Queries go through a running `shopstream up` when it
 * holds the warehouse, unless `query` is given (`up` itself passes its own warehouse).
 */
export async function reconcileFromConfig(
  config: Config,
  options: ReconcileOptions,
  onProgress?: ReconcileProgressListener,
  query?: QueryFunction,
): Promise<ReconcileReport> {
  const [archive, lake] = await Promise.all([openBackfillSource(config.archive), openLake(config.lake)]);
  const runner = query
    ? undefined
    : await openQueryRunner(config).catch(async (error: unknown) => {
        await Promise.allSettled([archive.close(), lake.close()]);
        throw error;
      });
  try {
    await lake.start();
    return await reconcile(
      {
        archive,
        lake,
        query: query ?? ((sql) => runner!.query(sql)),
        dialect: dialectOf(config.warehouse),
        contract: contractSettingsOf(config),
      },
      options,
      onProgress,
    );
  } finally {
    await Promise.allSettled([archive.close(), lake.close(), runner?.close()]);
  }
}
