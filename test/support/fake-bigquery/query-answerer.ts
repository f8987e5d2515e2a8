import sqlParser from 'node-sql-parser';
import type { BigQueryStore } from './bigquery-store.js';
import type { FieldSchema } from './row-values.js';
import { runFillUpdate } from './fill-update.js';
import { isEmptyLimit, runRangeSelect } from './range-select.js';
import { alterTableAddColumns, SchemaUpdateError } from './schema-updates.js';

const { Parser } = sqlParser;
const parser = new Parser();
const DIALECT = { database: 'BigQuery' };

/** A result a test sets for a query: the columns and plain rows (stored forms, see row-values.ts). */
export interface CannedResult {
  readonly schema: readonly FieldSchema[];
  readonly rows: readonly Record<string, unknown>[];
  /** For a DML statement: the rows it changed (`numDmlAffectedRows`). */
  readonly numDmlAffectedRows?: number;
}

/** A failure a test sets for a query, answered as BigQuery answers a failed query. */
export interface CannedFailure {
  readonly error: string;
  /** HTTP status; default 400 (`invalidQuery`). */
  readonly status?: number;
  readonly reason?: string;
}

export type QueryOutcome =
  | { readonly ok: true; readonly result: CannedResult }
  | { readonly ok: false; readonly status: number; readonly reason: string; readonly message: string };

interface Canned {
  readonly match: string | RegExp;
  readonly answer: CannedResult | CannedFailure;
}

/**
 * Answers SQL honestly for a server that is not a SQL engine: every statement is parsed with
 * node-sql-parser's BigQuery dialect (a statement it cannot parse fails like BigQuery's
 * `invalidQuery`), fully qualified tables it reads must exist, and then the answer is either one a
 * test set with {@link answer}, or one of the two shapes computed over the stored rows:
 * `SELECT COUNT(*) FROM <table>`, and reconcile's `SELECT <columns>, UNIX_MILLIS(<time>) AS t FROM
 * <table> [WHERE <time range>]` (range-select.ts). Anything else is refused with 501
 * (`notImplemented`) and logged, so a gap shows.
 */
export class QueryAnswerer {
  private readonly canned: Canned[] = [];
  /** Queries refused because nothing answers them. */
  readonly unanswered: string[] = [];

  constructor(
    private readonly store: BigQueryStore,
    private readonly defaultProject: () => string,
  ) {}

  /** Sets the answer to queries equal to `match` (whitespace-insensitive) or matching a RegExp. */
  answer(match: string | RegExp, answer: CannedResult | CannedFailure): void {
    this.canned.unshift({ match, answer });
  }

  /** Answers one query; `defaultDataset` resolves bare table names, as the API's option does. */
  run(sql: string, projectId = this.defaultProject(), defaultDataset?: DatasetRef): QueryOutcome {
    if (/^\s*ALTER\s+TABLE\b/i.test(sql)) {
      // node-sql-parser reads no OPTIONS (…) nor IF NOT EXISTS here: schema-updates.ts reads it strictly.
      try {
        alterTableAddColumns(sql, this.store, projectId, defaultDataset);
        return { ok: true, result: { schema: [], rows: [] } };
      } catch (error) {
        if (!(error instanceof SchemaUpdateError)) throw error;
        return { ok: false, status: error.status, reason: error.reason, message: error.message };
      }
    }
    const syntax = checkSyntax(sql);
    if (syntax) return { ok: false, status: 400, reason: 'invalidQuery', message: syntax };
    const missing = this.missingTables(sql, projectId, defaultDataset);
    if (missing) {
      return {
        ok: false,
        status: 404,
        reason: 'notFound',
        message: `Not found: Table ${missing} was not found in location US`,
      };
    }
    if (/^\s*UPDATE\b/i.test(sql)) {
      try {
        const changed = runFillUpdate(sql, this.store, projectId);
        return { ok: true, result: { schema: [], rows: [], numDmlAffectedRows: changed } };
      } catch (error) {
        if (!(error instanceof SchemaUpdateError)) throw error;
        if (error.status === 501) this.unanswered.push(sql);
        return { ok: false, status: error.status, reason: error.reason, message: error.message };
      }
    }
    const canned = this.canned.find((c) =>
      typeof c.match === 'string' ? squash(c.match) === squash(sql) : c.match.test(sql),
    );
    if (canned) {
      if ('error' in canned.answer) {
        return {
          ok: false,
          status: canned.answer.status ?? 400,
          reason: canned.answer.reason ?? 'invalidQuery',
          message: canned.answer.error,
        };
      }
      return { ok: true, result: canned.answer };
    }
    const count = this.countQuery(sql, projectId, defaultDataset);
    if (count) return { ok: true, result: count };
    try {
      const selected = this.rangeSelect(sql, projectId, defaultDataset);
      if (selected) return { ok: true, result: selected };
    } catch (error) {
      if (!(error instanceof SchemaUpdateError)) throw error;
      return { ok: false, status: error.status, reason: error.reason, message: error.message };
    }
    this.unanswered.push(sql);
    process.stderr.write(`[fake-bigquery] NO ANSWER for query (set one with answerQuery): ${sql}\n`);
    return {
      ok: false,
      status: 501,
      reason: 'notImplemented',
      message: `fake-bigquery: no answer set for this query: ${sql}`,
    };
  }

  /** The first fully qualified table the SQL reads that does not exist, as `p:d.t`. */
  missingTables(sql: string, projectId: string, defaultDataset?: DatasetRef): string | undefined {
    for (const ref of tablesOf(sql, projectId, defaultDataset)) {
      if (!this.store.table(ref.projectId, ref.datasetId, ref.tableId)) {
        return `${ref.projectId}:${ref.datasetId}.${ref.tableId}`;
      }
    }
    return undefined;
  }

  /** `SELECT COUNT(*) [AS x] FROM <table>` with nothing else, counted over the stored rows. */
  private countQuery(sql: string, projectId: string, defaultDataset?: DatasetRef): CannedResult | undefined {
    const ast = parser.astify(sql, DIALECT) as unknown as Record<string, unknown> | Record<string, unknown>[];
    const select = Array.isArray(ast) ? (ast.length === 1 ? ast[0] : undefined) : ast;
    if (!select || select.type !== 'select') return undefined;
    for (const clause of ['where', 'groupby', 'having', 'qualify', 'limit', 'with', 'distinct']) {
      const value = select[clause];
      if (value !== null && value !== undefined && !(clause === 'limit' && isEmptyLimit(value)))
        return undefined;
    }
    const columns = select.columns as {
      expr?: { type?: string; name?: string; args?: { expr?: { type?: string } } };
      as?: string | null;
    }[];
    const from = select.from as unknown[] | null;
    if (columns?.length !== 1 || from?.length !== 1) return undefined;
    const column = columns[0]!;
    const isCountStar =
      column.expr?.type === 'aggr_func' &&
      column.expr.name?.toUpperCase() === 'COUNT' &&
      column.expr.args?.expr?.type === 'star';
    const refs = tablesOf(sql, projectId, defaultDataset);
    if (!isCountStar || refs.length !== 1) return undefined;
    const ref = refs[0]!;
    const table = this.store.table(ref.projectId, ref.datasetId, ref.tableId);
    if (!table || table.type !== 'TABLE') return undefined;
    const name = column.as ?? 'f0_';
    return { schema: [{ name, type: 'INTEGER', mode: 'NULLABLE' }], rows: [{ [name]: table.rows.length }] };
  }

  /** Reconcile's `SELECT <columns>, UNIX_MILLIS(<time>) AS t FROM <table> [WHERE <time range>]`: see range-select.ts. */
  private rangeSelect(sql: string, projectId: string, defaultDataset?: DatasetRef): CannedResult | undefined {
    const ast = parser.astify(sql, DIALECT) as unknown as Record<string, unknown> | Record<string, unknown>[];
    const select = Array.isArray(ast) ? (ast.length === 1 ? ast[0] : undefined) : ast;
    const refs = tablesOf(sql, projectId, defaultDataset);
    if (!select || refs.length !== 1) return undefined;
    const table = this.store.table(refs[0]!.projectId, refs[0]!.datasetId, refs[0]!.tableId);
    return table ? runRangeSelect(select, table) : undefined;
  }
}

/** Undefined when node-sql-parser's BigQuery dialect parses the SQL, else a BigQuery-like message. */
export function checkSyntax(sql: string): string | undefined {
  try {
    parser.astify(sql, DIALECT);
    return undefined;
  } catch (error) {
    const e = error as { message?: string; location?: { start?: { line?: number; column?: number } } };
    const where = e.location?.start ? ` at [${e.location.start.line}:${e.location.start.column}]` : '';
    return `Syntax error: ${e.message ?? String(error)}${where}`;
  }
}

/** A query's default dataset (`jobs.query` `defaultDataset`). */
export interface DatasetRef {
  readonly projectId: string;
  readonly datasetId: string;
}

interface TableRef {
  readonly projectId: string;
  readonly datasetId: string;
  readonly tableId: string;
}

/**
 * Tables the SQL reads: `p.d.t`, `d.t`, and bare names resolved in the default dataset (when one
 * is given) unless they name a WITH clause.
 */
function tablesOf(sql: string, projectId: string, defaultDataset?: DatasetRef): TableRef[] {
  const refs: TableRef[] = [];
  const ctes = cteNames(sql);
  for (const entry of parser.tableList(sql, DIALECT)) {
    const [, db, name] = entry.split('::') as [string, string, string];
    const parts = [...(db === 'null' ? [] : db.split('.')), ...name.split('.')];
    if (parts.length === 3) refs.push({ projectId: parts[0]!, datasetId: parts[1]!, tableId: parts[2]! });
    else if (parts.length === 2) refs.push({ projectId, datasetId: parts[0]!, tableId: parts[1]! });
    else if (parts.length === 1 && defaultDataset && !ctes.has(parts[0]!.toLowerCase())) {
      refs.push({ ...defaultDataset, tableId: parts[0]! });
    }
  }
  return refs;
}

/** Names the statement defines with WITH (any nesting), lower-cased. */
function cteNames(sql: string): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.with)) {
      for (const cte of record.with as { name?: { value?: string } | string }[]) {
        const name = typeof cte.name === 'string' ? cte.name : cte.name?.value;
        if (name) names.add(name.toLowerCase());
      }
    }
    Object.values(record).forEach(visit);
  };
  visit(parser.astify(sql, DIALECT));
  return names;
}

function squash(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
