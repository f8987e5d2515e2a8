import { ShopstreamError } from '../../errors/shopstream-error.js';

/** What the adapter was doing when DuckDB failed, for the error's message and context. */
export interface DuckDbFailureContext {
  readonly action:
    'start' | 'ensureSchema' | 'fillMissing' | 'loadReferenceData' | 'append' | 'appendErrors' | 'query';
  readonly path: string;
  readonly table?: string;
}

/**
 * Maps a DuckDB failure to shopstream's typed errors:
 * - a database file locked by another process, I/O errors (disk full), memory and fatal errors →
 *   SHOP_E_WAREHOUSE_UNAVAILABLE, retryable; once DuckDB has invalidated the database after a fatal
 *   error, the same code but not retryable (only a restart helps);
 * - a missing table while writing → SHOP_E_WAREHOUSE_SCHEMA (run `shopstream setup`);
 * - anything else (bad SQL, unknown table in a query, a value out of its column's range) →
 *   SHOP_E_WAREHOUSE_QUERY with the engine's message, not retryable: the same statement fails again.
 */
export function duckDbError(error: unknown, context: DuckDbFailureContext): ShopstreamError {
  if (error instanceof ShopstreamError) return error;
  const engine = error instanceof Error ? error.message : String(error);
  const details = { ...context, engine };
  if (/Could not set lock on file/i.test(engine)) {
    const holder = /Conflicting lock is held in (.*?)(?: by user|\.|$)/.exec(engine)?.[1];
    return new ShopstreamError(
      'SHOP_E_WAREHOUSE_UNAVAILABLE',
      `${context.path} is locked by another process${holder ? ` (${holder})` : ''}: DuckDB allows one writer process. Stop it (for example \`shopstream up\`) or wait.`,
      { retryable: true, context: details, cause: error },
    );
  }
  // After a fatal error (a WAL write that failed, for example on a full disk) DuckDB refuses all
  // further work on this instance: retrying in-process cannot help, restarting the process can.
  if (/database has been invalidated/i.test(engine))
    return new ShopstreamError(
      'SHOP_E_WAREHOUSE_UNAVAILABLE',
      `${context.path}: DuckDB stopped this database after an earlier fatal error; restart the process (its WAL is replayed on open). ${engine}`,
      { retryable: false, context: details, cause: error },
    );
  // A commit that could not write its log ("TransactionContext Error: Failed to commit: … No space left
  // on device") is an I/O failure too.
  if (
    /^(IO|Out of Memory|FATAL|Interrupt) Error/i.test(engine) ||
    /No space left on device|Failed to commit/i.test(engine)
  )
    return new ShopstreamError(
      'SHOP_E_WAREHOUSE_UNAVAILABLE',
      `${context.path}: ${context.action} failed: ${engine}`,
      {
        retryable: true,
        context: details,
        cause: error,
      },
    );
  if (context.action !== 'query' && /^Catalog Error: Table with name \S+ does not exist/i.test(engine))
    return new ShopstreamError(
      'SHOP_E_WAREHOUSE_SCHEMA',
      `${context.path}: table ${context.table ?? ''} does not exist; run \`shopstream setup\`. (${engine})`,
      { context: details, cause: error },
    );
  return new ShopstreamError(
    'SHOP_E_WAREHOUSE_QUERY',
    context.action === 'query'
      ? engine
      : `${context.table ?? context.action}: the warehouse rejected the write: ${engine}`,
    { context: details, cause: error },
  );
}
