import type { DuckDBConnection } from '@duckdb/node-api';
import { sep } from 'node:path';
import { duckDbString } from '../dialects/duckdb-ddl.js';

/**
 * Confines a DuckDB instance to its own database: a query (a user's, through `shopstream query` or
 * the running `shopstream up`) can read the warehouse's tables and the files of `readable` folders,
 * and nothing else. Settings, for the whole instance:
 *
 * - `allowed_directories` — the folders that stay readable: the adapter's NDJSON staging folder (its
 *   own loads read it with read_json) and the folders the caller names (the local lake and archive).
 *   DuckDB adds the database's spill folder itself. Each ends with a separator, since DuckDB compares
 *   them as prefixes (`/data/lake` would also admit `/data/lake-other`).
 * - `enable_external_access = false` — every other file (`read_text('/etc/hostname')`,
 *   `read_csv('/etc/passwd')`, `glob`), every URL (`read_csv('http://…')`), `ATTACH` of another
 *   database file, `COPY … TO` elsewhere, and `INSTALL`/`LOAD` of extensions are refused with
 *   "Permission Error: … disabled by configuration".
 * - `lock_configuration = true` — no statement can `SET` any of it back (or change any other setting):
 *   "Invalid Input Error: Cannot change configuration option … the configuration has been locked".
 *
 * Run on a connection of a fresh instance, after every connection's session settings (the time
 * zone): once locked, no SET works any more. Supported since DuckDB 1.2 (installed: 1.5).
 */
export async function confineToWarehouse(
  connection: DuckDBConnection,
  readable: readonly string[],
): Promise<void> {
  const folders = readable.map((dir) => duckDbString(dir.endsWith(sep) ? dir : dir + sep));
  await connection.run(`SET allowed_directories = [${folders.join(', ')}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}
