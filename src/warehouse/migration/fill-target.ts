import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { Column } from '../model/table-model.js';
import { tableNamed } from '../model/tables.js';
import { EVENT_TABLES, type EventTableName } from '../rows.js';

/**
 * A column to fill in rows stored before it existed: `orders.coupon_code`, or a field inside a
 * record, `orders.items.discount`. Rows are filled by rewriting the top-level column that holds it
 * (`items`) with the value made again from the same event.
 */
export interface FillTarget {
  readonly table: EventTableName;
  /** Dotted path inside the table (`items.discount`). */
  readonly path: string;
  /** The model columns from the top-level one down to the field itself. */
  readonly chain: readonly Column[];
}

/**
 * Reads `table.column[.field…]` names, as `backfill --fill-missing` takes them, against the model.
 * A name that is not an event table's column, or a REQUIRED field (never missing), is a
 * SHOP_E_USAGE error naming it.
 */
export function parseFillTarget(name: string): FillTarget {
  const [table, ...parts] = name.split('.');
  const usage = (why: string): never => {
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `--fill-missing ${name}: ${why}; expected <table>.<column>[.<field>], e.g. orders.coupon_code`,
    );
  };
  if (!EVENT_TABLES.includes(table as EventTableName))
    return usage(`${table} is not an event table (${EVENT_TABLES.join(', ')})`);
  if (parts.length === 0) return usage('no column named');
  const chain: Column[] = [];
  let columns = tableNamed(table!).columns;
  for (const part of parts) {
    const column = columns.find((c) => c.name === part);
    if (!column) return usage(`${table} has no column ${[...chain.map((c) => c.name), part].join('.')}`);
    chain.push(column);
    columns = column.fields ?? [];
  }
  const leaf = chain[chain.length - 1]!;
  if (leaf.mode === 'REQUIRED') return usage(`${parts.join('.')} is REQUIRED, so every row has it`);
  if (leaf.fields) return usage(`${leaf.name} is a record: name a field inside it`);
  return { table: table as EventTableName, path: parts.join('.'), chain };
}

/** Whether a row (an event's fields) holds a value for the target's field, in any array element. */
export function hasValueAt(row: Readonly<Record<string, unknown>>, chain: readonly Column[]): boolean {
  const [column, ...rest] = chain;
  if (!column) return false;
  const value = row[column.name];
  if (value === null || value === undefined) return false;
  if (rest.length === 0) return !Array.isArray(value) || value.length > 0;
  const elements = column.mode === 'REPEATED' ? (value as unknown[]) : [value];
  return elements.some(
    (element) =>
      element !== null && typeof element === 'object' && hasValueAt(element as Record<string, unknown>, rest),
  );
}

/**
 * The rows of NDJSON (the pipeline's row form) that carry a value for the target: `event_id`, the
 * target's top-level column and `alsoKeep`, one per event_id (copies of one event are the same bytes).
 */
export function rowsCarrying(
  target: FillTarget,
  ndjson: Uint8Array,
  alsoKeep: readonly string[] = [],
): Record<string, unknown>[] {
  const top = target.chain[0]!.name;
  const seen = new Map<string, Record<string, unknown>>();
  const text = Buffer.from(ndjson.buffer, ndjson.byteOffset, ndjson.byteLength).toString('utf8');
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const row = JSON.parse(line) as Record<string, unknown>;
    if (!hasValueAt(row, target.chain) || typeof row.event_id !== 'string') continue;
    const kept = Object.fromEntries(alsoKeep.map((name) => [name, row[name]]));
    seen.set(row.event_id, { event_id: row.event_id, ...kept, [top]: row[top] });
  }
  return [...seen.values()];
}
