import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ShopstreamError } from '../errors/shopstream-error.js';

/**
 * Decides whether SQL is read-only before `shopstream up` runs it on its warehouse for another process.
 *
 * The check is DuckDB's own parser, not a regular expression: `json_serialize_sql` serializes a script
 * only when every statement in it is a SELECT (which includes `FROM t`, `WITH …`, `DESCRIBE`, `SHOW`
 * and `SUMMARIZE`), and fails for INSERT, COPY, ATTACH, SET, PRAGMA, CALL, EXPLAIN and everything else.
 * It parses in a private in-memory database, so it needs no catalog and never touches the warehouse.
 *
 * A shared connection cannot run the statement in a transaction that is rolled back instead: the
 * pipeline appends on the same warehouse, and its rows must not be rolled back with it.
 */
export class ReadOnlySqlGuard {
  private parser: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;

  /** Resolves when `sql` is one or more SELECT statements; throws SHOP_E_WAREHOUSE_QUERY otherwise. */
  async check(sql: string): Promise<void> {
    const { connection } = await (this.parser ??= this.open());
    const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS tree', [sql]);
    const tree = JSON.parse(String(reader.getRowObjectsJS()[0]?.tree)) as {
      error?: boolean;
      error_message?: string;
      statements?: unknown[];
    };
    if (tree.error || !tree.statements || tree.statements.length === 0) {
      const why = tree.error_message?.startsWith('Only SELECT')
        ? 'only read-only statements (SELECT, FROM …, WITH …, DESCRIBE, SHOW, SUMMARIZE) are answered'
        : (tree.error_message ?? 'no statement');
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_QUERY',
        `shopstream up holds the warehouse and ${why}; stop it to run other statements`,
        { context: { reason: tree.error_message } },
      );
    }
  }

  async close(): Promise<void> {
    const parser = await this.parser?.catch(() => undefined);
    this.parser = undefined;
    parser?.connection.closeSync();
    parser?.instance.closeSync();
  }

  private async open(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
    // Loaded here, not at the top: only `shopstream up` with a DuckDB warehouse needs it.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    return { instance, connection: await instance.connect() };
  }
}
