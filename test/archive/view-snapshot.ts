import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config/settings.js';
import { setupAll } from '../../src/setup/setup-all.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { VIEWS } from '../../src/warehouse/model/views.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';

/**
 * Columns that legitimately differ between the live stream and a backfill of the same messages: when
 * and by which delivery a row was written. An archive keeps payloads only, so a backfilled row has the
 * archive file's open time as publish_time, `<file>#<line>` as message id and no attributes.
 */
const DELIVERY_COLUMNS = new Set(['publish_time', 'ingestion_time', 'message_id', 'attributes']);

/** Per view, further columns that are delivery times under another name. */
const DELIVERY_COLUMNS_OF: Readonly<Record<string, readonly string[]>> = {
  error_counts: ['first_seen_at', 'last_seen_at'],
};

/**
 * DLQ rows whose message cannot be archived as a line: an empty payload is an empty line, which NDJSON
 * readers (and so backfill) skip. Google's text format has the same limit.
 */
const UNARCHIVABLE_CODE = 'SHOP_E_DECODE_EMPTY';

/** Every view of the model: its rows without delivery columns, each as canonical JSON, sorted. */
export type ViewSnapshot = Record<string, string[]>;

/**
 * Queries every view in `VIEWS` and returns its full result, minus the columns that depend on when or
 * how a message was delivered (not on its bytes), and minus DLQ rows of empty messages.
 */
export async function snapshotViews(config: Config): Promise<ViewSnapshot> {
  const warehouse = await openWarehouse(config.warehouse);
  await warehouse.start();
  try {
    const snapshot: ViewSnapshot = {};
    for (const view of VIEWS) {
      const result = await warehouse.query(`SELECT * FROM ${view.name}`);
      const drop = new Set([...DELIVERY_COLUMNS, ...(DELIVERY_COLUMNS_OF[view.name] ?? [])]);
      snapshot[view.name] = result.rows
        .filter((row) => row.error_code !== UNARCHIVABLE_CODE)
        .map((row) =>
          JSON.stringify(Object.fromEntries(Object.entries(row).filter(([column]) => !drop.has(column)))),
        )
        .sort();
    }
    return snapshot;
  } finally {
    await warehouse.close();
  }
}

/** The rows of one query against the configured warehouse. */
export async function queryRows(config: Config, sql: string): Promise<readonly Record<string, unknown>[]> {
  const warehouse = await openWarehouse(config.warehouse);
  await warehouse.start();
  try {
    return (await warehouse.query(sql)).rows;
  } finally {
    await warehouse.close();
  }
}

/** Rows per raw table (orders, inventory, user_activity, ingest_errors). */
export async function rawCounts(config: Config): Promise<Record<string, number>> {
  const warehouse = await openWarehouse(config.warehouse);
  await warehouse.start();
  try {
    const counts: Record<string, number> = {};
    for (const table of ['orders', 'inventory', 'user_activity', 'ingest_errors']) {
      const result = await warehouse.query(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(result.rows[0]!.n);
    }
    return counts;
  } finally {
    await warehouse.close();
  }
}

/**
 * Wipes the stack's lake and warehouse (the bus and the archive stay) and recreates the warehouse
 * schema and reference data, as an operator restoring from the archive would.
 */
export async function wipeLakeAndWarehouse(config: Config, stackDir: string): Promise<void> {
  rmSync(join(stackDir, 'lake'), { recursive: true, force: true });
  const duckdb = config.warehouse.slice('duckdb:'.length);
  for (const file of [duckdb, `${duckdb}.wal`]) rmSync(file, { force: true });
  await setupAll(config, silentLogger, { bus: false, warehouse: true });
}
