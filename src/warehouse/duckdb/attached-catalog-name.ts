import { basename, extname } from 'node:path';

/**
 * Names DuckDB keeps for itself: ATTACH refuses them, and a file opened directly under one of them is
 * named with `_db` after it (seen: `main.duckdb` opens as `main_db`). `memory` is the in-memory
 * instance's own catalog, which a file attached to that instance cannot share.
 */
const TAKEN = new Set(['main', 'system', 'temp', 'memory']);

/**
 * The catalog name for a warehouse file attached to an in-memory instance: the one DuckDB gives the
 * file when it opens it directly — its name without the extension — so queries that name the catalog
 * read the same either way; `_db` after a name DuckDB keeps (`memory.duckdb` is `memory_db`, where
 * opened directly it would be `memory`). An in-memory warehouse is `warehouse`.
 */
export function attachedCatalogName(path: string): string {
  if (path === ':memory:') return 'warehouse';
  const stem = basename(path, extname(path));
  return TAKEN.has(stem.toLowerCase()) ? `${stem}_db` : stem;
}
