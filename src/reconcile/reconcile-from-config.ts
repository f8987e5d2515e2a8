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
    // The lake is not start()ed: that checks it is writable (a probe file, storage.objects.create),
    // and a ledger only lists and reads, so read access is all it needs. Read errors name the lake.
    return await reconcile(
      {
        archive,
        lake,
        query: query ?? ((sql) => runner!.query(sql)),
        dialect: dialectOf(config.warehouse),
        contract: contractSettingsOf(config),
      },
      // The local archiver closes its files at archive.maxDurationMs; a Cloud Storage subscription's
      // own setting is in Terraform, so assume its longest there.
      config.archive.startsWith('file:')
        ? { archiveFileSpanMs: config['archive.maxDurationMs'], ...options }
        : options,
      onProgress,
    );
  } finally {
    await Promise.allSettled([archive.close(), lake.close(), runner?.close()]);
  }
}
