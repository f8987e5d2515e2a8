import { ShopstreamError } from '../errors/shopstream-error.js';
import type { DuckDbWarehouseOptions } from './duckdb/duckdb-warehouse.js';
import type { Warehouse } from './warehouse.js';

/** Options of {@link openWarehouse}. */
export interface OpenWarehouseOptions {
  /**
   * Local folders whose files a DuckDB warehouse lets queries read (see
   * {@link readableFoldersOf}); every other file, URL and database is out of reach. Default none.
   * BigQuery reads no local files, so it ignores them.
   */
  readonly readableDirectories?: readonly string[];
  /**
   * How a DuckDB warehouse checkpoints, groups rows and reopens (see {@link DuckDbWarehouseOptions});
   * default its own. BigQuery ignores it.
   */
  readonly duckDb?: Pick<DuckDbWarehouseOptions, 'checkpointThreshold' | 'rowGroupSize' | 'reopenAfterRows'>;
}

/** Opens the warehouse a URI names: `duckdb:<file>` or `bigquery:<project>.<dataset>`. */
export async function openWarehouse(uri: string, options: OpenWarehouseOptions = {}): Promise<Warehouse> {
  if (uri.startsWith('duckdb:')) {
    const { DuckDbWarehouse } = await import('./duckdb/duckdb-warehouse.js');
    return new DuckDbWarehouse({
      uri,
      path: uri.slice('duckdb:'.length),
      readableDirectories: options.readableDirectories,
      ...options.duckDb,
    });
  }
  const bq = /^bigquery:([a-z][a-z0-9-]{4,28}[a-z0-9])\.(\w{1,1024})$/.exec(uri);
  if (bq) {
    const { BigQueryWarehouse } = await import('./bigquery/bigquery-warehouse.js');
    return new BigQueryWarehouse({ uri, projectId: bq[1]!, datasetId: bq[2]! });
  }
  throw new ShopstreamError(
    'SHOP_E_CONFIG_INVALID',
    `warehouse: "${uri}" is not duckdb:<file> or bigquery:<project>.<dataset>`,
  );
}
