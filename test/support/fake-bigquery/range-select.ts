import type { FakeTable } from './bigquery-store.js';
import { microsOfTimestampText, RowValueError, standardType, type FieldSchema } from './row-values.js';
import { SchemaUpdateError } from './schema-updates.js';

/** The parts of a node-sql-parser SELECT this shape reads. */
interface SelectAst {
  readonly columns?: unknown;
  readonly from?: unknown;
  readonly where?: unknown;
  readonly [clause: string]: unknown;
}

interface ColumnRefAst {
  readonly type: 'column_ref';
  readonly table: string | null;
  readonly column: { readonly expr?: { readonly type?: string; readonly value?: unknown } } | string;
}

/** One projected column: a stored column as it is, or UNIX_MILLIS of a TIMESTAMP column. */
interface Projection {
  readonly output: FieldSchema;
  readonly value: (row: Record<string, unknown>) => unknown;
}

/** A bound of the WHERE clause: `<TIMESTAMP column> <op> TIMESTAMP '…'`. */
interface Bound {
  readonly column: string;
  readonly holds: (micros: bigint) => boolean;
}

const COMPARISONS: Readonly<Record<string, (a: bigint, b: bigint) => boolean>> = {
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

/** Clauses this shape does not have; a statement with any of them is not computed. */
const OTHER_CLAUSES = ['with', 'distinct', 'groupby', 'having', 'qualify', 'window', 'orderby', 'limit'];

/**
 * Computes the row-level SELECT shopstream's reconcile sends (src/reconcile/warehouse-side.ts) over
 * the stored rows of one table, with BigQuery's semantics:
 *
 *     SELECT event_id[, error_code], UNIX_MILLIS(<TIMESTAMP column>) AS t FROM <table>
 *       [WHERE <TIMESTAMP column> (>= | > | < | <=) TIMESTAMP '…' [AND …]]
 *
 * Projected columns are top-level stored columns (as they are, or aliased) and `UNIX_MILLIS(c) AS x`
 * (milliseconds since the epoch, rounded down, as an INTEGER); the WHERE clause is a conjunction of
 * bounds on TIMESTAMP columns, and a NULL value satisfies none. What BigQuery would refuse fails as it
 * does (an unknown column, UNIX_MILLIS of something not a TIMESTAMP, a TIMESTAMP compared with a
 * column of another type). Any other shape — a view, a join, GROUP BY, ORDER BY, LIMIT, an unnamed
 * expression, another function or literal — returns undefined, for the caller to refuse with 501.
 */
export function runRangeSelect(
  select: SelectAst,
  table: FakeTable,
): { schema: FieldSchema[]; rows: Record<string, unknown>[] } | undefined {
  if (select.type !== 'select' || table.type !== 'TABLE') return undefined;
  for (const clause of OTHER_CLAUSES) {
    const value = select[clause];
    if (value !== null && value !== undefined && !(clause === 'limit' && isEmptyLimit(value)))
      return undefined;
  }
  if (!Array.isArray(select.from) || select.from.length !== 1) return undefined;
  const from = select.from[0] as { table?: unknown; as?: unknown; join?: unknown };
  if (typeof from.table !== 'string' || (from.as ?? null) !== null || from.join !== undefined)
    return undefined;
  if (!Array.isArray(select.columns) || select.columns.length === 0) return undefined;

  const projections: Projection[] = [];
  for (const item of select.columns as { expr?: unknown; as?: unknown }[]) {
    const projection = projectionOf(item.expr, typeof item.as === 'string' ? item.as : undefined, table);
    if (!projection) return undefined;
    projections.push(projection);
  }
  const names = projections.map((p) => p.output.name.toLowerCase());
  if (new Set(names).size !== names.length) return undefined;
  const bounds = select.where === null || select.where === undefined ? [] : boundsOf(select.where, table);
  if (!bounds) return undefined;

  const rows = table.rows
    .filter((row) =>
      bounds.every(({ column, holds }) => {
        const value = row[column];
        return value !== null && value !== undefined && holds(microsOfTimestampText(String(value), column));
      }),
    )
    .map((row) => Object.fromEntries(projections.map((p) => [p.output.name, p.value(row)])));
  return { schema: projections.map((p) => p.output), rows };
}

function projectionOf(expr: unknown, alias: string | undefined, table: FakeTable): Projection | undefined {
  const column = columnNameOf(expr);
  if (column !== undefined) {
    const field = fieldOf(table, column);
    // A result schema names and types columns; descriptions and limits stay with the table.
    const output: FieldSchema = {
      name: alias ?? column,
      type: field.type,
      mode: field.mode ?? 'NULLABLE',
      ...(field.fields ? { fields: field.fields } : {}),
    };
    return { output, value: (row) => row[field.name] ?? null };
  }
  const call = expr as { type?: string; name?: unknown; args?: { value?: unknown[] }; over?: unknown };
  if (call?.type !== 'function' || functionNameOf(call.name) !== 'UNIX_MILLIS' || call.over) return undefined;
  const args = call.args?.value ?? [];
  const argument = args.length === 1 ? columnNameOf(args[0]) : undefined;
  // BigQuery would name an unnamed expression f0_, f1_…; shopstream always names it, so only that is done.
  if (argument === undefined || alias === undefined) return undefined;
  const field = fieldOf(table, argument);
  if (standardType(field.type) !== 'TIMESTAMP' || field.mode?.toUpperCase() === 'REPEATED')
    throw new SchemaUpdateError(
      400,
      'invalidQuery',
      `No matching signature for function UNIX_MILLIS for argument types: ${typeName(field)}. Supported signature: UNIX_MILLIS(TIMESTAMP)`,
    );
  return {
    output: { name: alias, type: 'INTEGER', mode: 'NULLABLE' },
    value: (row) => {
      const stored = row[field.name];
      if (stored === null || stored === undefined) return null;
      const micros = microsOfTimestampText(String(stored), field.name);
      // Rounded down, before the epoch too.
      return Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
    },
  };
}

/** The bounds of a WHERE clause made only of `column <op> TIMESTAMP '…'` joined by AND. */
function boundsOf(where: unknown, table: FakeTable): Bound[] | undefined {
  const node = where as {
    type?: string;
    operator?: string;
    left?: unknown;
    right?: unknown;
  };
  if (node?.type !== 'binary_expr') return undefined;
  if (node.operator?.toUpperCase() === 'AND') {
    const [left, right] = [boundsOf(node.left, table), boundsOf(node.right, table)];
    return left && right ? [...left, ...right] : undefined;
  }
  const compare = COMPARISONS[node.operator ?? ''];
  const column = columnNameOf(node.left);
  const literal = node.right as { type?: string; value?: unknown };
  if (!compare || column === undefined || literal?.type !== 'timestamp' || typeof literal.value !== 'string')
    return undefined;
  const field = fieldOf(table, column);
  if (standardType(field.type) !== 'TIMESTAMP' || field.mode?.toUpperCase() === 'REPEATED')
    throw new SchemaUpdateError(
      400,
      'invalidQuery',
      `No matching signature for operator ${node.operator} for argument types: ${typeName(field)}, TIMESTAMP`,
    );
  let bound: bigint;
  try {
    bound = microsOfTimestampText(literal.value, 'literal');
  } catch (error) {
    if (!(error instanceof RowValueError)) throw error;
    // BigQuery takes forms this parser does not (a date alone, named time zones): not computed.
    return undefined;
  }
  return [{ column: field.name, holds: (micros) => compare(micros, bound) }];
}

/** The column an unqualified column reference names (plain or in backticks), else undefined. */
function columnNameOf(expr: unknown): string | undefined {
  const ref = expr as ColumnRefAst | undefined;
  if (ref?.type !== 'column_ref' || ref.table !== null || typeof ref.column !== 'object') return undefined;
  const value = ref.column.expr?.value;
  return typeof value === 'string' && value !== '*' ? value : undefined;
}

/** A function's name as node-sql-parser gives it (`{name: [], schema: {value}}` or `{name: [{value}]}`), upper-cased. */
function functionNameOf(name: unknown): string | undefined {
  const n = name as { name?: { value?: unknown }[]; schema?: { value?: unknown } } | undefined;
  const parts = (n?.name ?? []).map((p) => p.value);
  const value = parts.length === 1 ? parts[0] : parts.length === 0 ? n?.schema?.value : undefined;
  return typeof value === 'string' ? value.toUpperCase() : undefined;
}

/** The table's top-level column of that name (case-insensitive, as in BigQuery), or BigQuery's refusal. */
function fieldOf(table: FakeTable, name: string): FieldSchema {
  const field = table.schema.find((f) => f.name.toLowerCase() === name.toLowerCase());
  if (!field) throw new SchemaUpdateError(400, 'invalidQuery', `Unrecognized name: ${name}`);
  return field;
}

function typeName(field: FieldSchema): string {
  const type = standardType(field.type);
  return field.mode?.toUpperCase() === 'REPEATED' ? `ARRAY<${type}>` : type;
}

/** node-sql-parser's LIMIT of a statement without one. */
export function isEmptyLimit(limit: unknown): boolean {
  const value = (limit as { value?: unknown[] } | null)?.value;
  return Array.isArray(value) && value.length === 0;
}
