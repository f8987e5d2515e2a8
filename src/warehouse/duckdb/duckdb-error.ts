import { ShopstreamError } from '../../errors/shopstream-error.js';

/** What the adapter was doing when DuckDB failed, for the error's message and context. */
export interface DuckDbFailureContext {
  readonly action: 'start' | 'ensureSchema' | 'loadReferenceData' | 'append' | 'appendErrors' | 'query';
  readonly path: string;
  readonly table?: string;
}

/**
 * Whether DuckDB has invalidated its database: a FATAL error (it invalidates the database as it
 * reports one, for example a checkpoint that could not write the file on a full disk) or a statement
 * refused afterwards ("database has been invalidated because of a previous fatal error").
 */
export function isFatalDuckDbError(error: unknown): boolean {
  return FATAL.test(engineMessageOf(error));
}

const FATAL = /^FATAL Error|database has been invalidated/i;

function engineMessageOf(error: unknown): string {
  if (error instanceof ShopstreamError)
    return typeof error.context.engine === 'string' ? error.context.engine : '';
  return error instanceof Error ? error.message : String(error);
}

/**
 * Maps a DuckDB failure to shopstream's typed errors:
 * - a database file locked by another process, I/O errors (disk full), memory errors, and fatal
 *   errors after which DuckDB invalidates the database (the adapter then reopens it) →
 *   SHOP_E_WAREHOUSE_UNAVAILABLE, retryable;
 * - a missing table while writing → SHOP_E_WAREHOUSE_SCHEMA, not retryable (run `shopstream setup`);
 * - anything else (bad SQL, unknown table in a query, a value out of its column's range, a file
 *   outside the warehouse) → SHOP_E_WAREHOUSE_QUERY with the engine's message, not retryable: the
 *   same statement fails again.
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
  // After a fatal error DuckDB refuses all further work on this instance; the adapter closes it and
  // opens the file again (replaying its WAL), after which the same write can succeed.
  if (FATAL.test(engine))
    return new ShopstreamError(
      'SHOP_E_WAREHOUSE_UNAVAILABLE',
      `${context.path}: DuckDB invalidated the database after a fatal error; reopening it (its WAL is replayed) and retrying. ${engine}`,
      { retryable: true, context: details, cause: error },
    );
  // A commit that could not write its log ("TransactionContext Error: Failed to commit: … No space left
  // on device") is an I/O failure too.
  if (
    /^(IO|Out of Memory|Interrupt) Error/i.test(engine) ||
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
