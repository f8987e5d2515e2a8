import type { DuckDBConnection } from '@duckdb/node-api';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { duckDbString, quoteIdentifier } from '../dialects/duckdb-ddl.js';
import { rowsCarrying, type FillTarget } from '../migration/fill-target.js';
import type { NdjsonStage } from './ndjson-stage.js';

/**
 * Fills a column in rows stored before it existed, in place: the rows of `ndjson` (made again from
 * the same events under the current contract) that carry a value for the target are staged, and
 * every stored row with the same event_id whose top-level column lacks it is updated — a top-level
 * column where it is NULL, a record or array (`items`) where it differs from the one made again,
 * which for the same bytes is only in the fields added since. No row is added, so the views, which
 * keep one row per event_id, show each event once, now with the value. Returns the rows updated.
 */
export async function fillMissingInDuckDb(
  connection: DuckDBConnection,
  stage: NdjsonStage,
  target: FillTarget,
  ndjson: Uint8Array,
  maxRowBytes: number,
): Promise<number> {
  const rows = rowsCarrying(target, ndjson);
  if (rows.length === 0) return 0;
  const top = target.chain[0]!;
  // The staged column gets the stored column's own type (information_schema), so a record compares
  // field by field with IS DISTINCT FROM even where a migration appended its new fields at the end.
  const types = await connection.runAndReadAll(
    `SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()
       AND table_name = ${duckDbString(target.table)} AND column_name = ${duckDbString(top.name)}`,
  );
  const storedType = types.getRows()[0]?.[0] as string | undefined;
  if (!storedType)
    throw new ShopstreamError(
      'SHOP_E_WAREHOUSE_SCHEMA',
      `${target.table}.${top.name} does not exist: run \`shopstream setup\` to migrate the warehouse first`,
    );
  const column = quoteIdentifier(top.name);
  const missing =
    target.chain.length === 1 && top.mode !== 'REPEATED'
      ? `t.${column} IS NULL`
      : `t.${column} IS DISTINCT FROM s.${column}`;
  const file = await stage.write(rows);
  try {
    const result = await connection.run(
      `UPDATE ${target.table} AS t SET ${column} = s.${column} FROM read_json(${duckDbString(file)}, ` +
        `format = 'newline_delimited', columns = {'event_id': 'VARCHAR', ${duckDbString(top.name)}: ${duckDbString(storedType)}}, ` +
        `auto_detect = false, maximum_object_size = ${maxRowBytes}) AS s ` +
        `WHERE t.event_id = s.event_id AND ${missing}`,
    );
    return Number(result.rowsChanged);
  } finally {
    await stage.remove(file);
  }
}
