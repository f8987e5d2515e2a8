import type { SqlDialect } from '../dialects/sql-dialect.js';

/** A column of a view's result, documented. */
export interface ViewColumn {
  readonly name: string;
  readonly description: string;
}

/**
 * One analytical view, written once for both engines. Its SELECT reads tables through
 * `d.table(name)` and other views by their bare name (listed in `uses`); the emitters inline those
 * views as CTEs, so every emitted view reads tables only and can be created in any order.
 */
export interface ViewModel {
  readonly name: string;
  readonly description: string;
  /** Views this one reads, by name. */
  readonly uses: readonly string[];
  /** The result's columns, in order; a test checks them against what the engine returns. */
  readonly columns: readonly ViewColumn[];
  /** The SELECT, in the dialect's SQL. */
  select(d: SqlDialect): string;
}
