import type { BigQueryStore, FakeTable } from './bigquery-store.js';
import { isRepeated, microsOfTimestampText, standardType, type FieldSchema } from './row-values.js';
import { SchemaUpdateError } from './schema-updates.js';

/**
 * Runs the one UPDATE shape shopstream sends (the in-place fill of `backfill --fill-missing`, see
 * src/warehouse/bigquery/bigquery-fill-missing.ts), with BigQuery's semantics:
 *
 *     UPDATE `p.d.t` AS t SET c = s.c FROM `p.d.s` AS s
 *     WHERE t.event_id = s.event_id AND (t.c IS NULL | TO_JSON_STRING(t.c) != TO_JSON_STRING(s.c))
 *       [AND t.x BETWEEN TIMESTAMP("…") AND TIMESTAMP("…")]
 *
 * Values read as the current schema says (a field a row was stored without is NULL), TO_JSON_STRING
 * follows the schema's field order, and a target row that matches two staged rows fails as in
 * BigQuery ("UPDATE/MERGE must match at most one source row for each target row"). Anything else
 * is refused as not implemented, so a change in what shopstream sends shows. Returns the rows changed.
 */
export function runFillUpdate(sql: string, store: BigQueryStore, projectId: string): number {
  const shape =
    /^UPDATE `([^`]+)` AS t SET (\w+) = s\.\2 FROM `([^`]+)` AS s WHERE t\.event_id = s\.event_id AND (?:t\.(\w+) IS NULL|TO_JSON_STRING\(t\.(\w+)\) != TO_JSON_STRING\(s\.(\w+)\))(?: AND t\.(\w+) BETWEEN TIMESTAMP\(("[^"]*")\) AND TIMESTAMP\(("[^"]*")\))?$/.exec(
      sql.trim(),
    );
  if (!shape)
    throw new SchemaUpdateError(
      501,
      'notImplemented',
      `fake-bigquery: this UPDATE is not implemented: ${sql}`,
    );
  const [, targetRef, column, stagedRef, nullColumn, jsonT, jsonS, partition, from, to] = shape;
  if ((nullColumn ?? jsonT) !== column || (jsonS !== undefined && jsonS !== column))
    throw new SchemaUpdateError(501, 'notImplemented', `fake-bigquery: the UPDATE's columns differ: ${sql}`);
  const target = tableOf(store, targetRef!, projectId);
  const staged = tableOf(store, stagedRef!, projectId);
  const field = target.schema.find((f) => f.name === column);
  if (!field)
    throw new SchemaUpdateError(400, 'invalidQuery', `Unrecognized name: ${column} in ${targetRef}`);
  const range =
    partition === undefined
      ? undefined
      : [microsOfTimestampText(JSON.parse(from!), 'from'), microsOfTimestampText(JSON.parse(to!), 'to')];
  const sources = new Map<string, Record<string, unknown>[]>();
  for (const row of staged.rows)
    sources.set(String(row.event_id), [...(sources.get(String(row.event_id)) ?? []), row]);
  let changed = 0;
  const updates: [Record<string, unknown>, unknown][] = [];
  for (const row of target.rows) {
    const matches = sources.get(String(row.event_id)) ?? [];
    if (matches.length === 0) continue;
    if (range) {
      const micros = microsOfTimestampText(String(row[partition!]), partition!);
      if (micros < range[0]! || micros > range[1]!) continue;
    }
    if (matches.length > 1)
      throw new SchemaUpdateError(
        400,
        'invalidQuery',
        'UPDATE/MERGE must match at most one source row for each target row',
      );
    const value = matches[0]![column!];
    const missing =
      nullColumn !== undefined
        ? (row[column!] ?? null) === null
        : jsonOf(row[column!], field) !== jsonOf(value, field);
    if (!missing) continue;
    updates.push([row, value]);
    changed++;
  }
  // A DML statement is atomic: rows change only once every row was checked.
  for (const [row, value] of updates) row[column!] = structuredClone(value ?? null);
  return changed;
}

function tableOf(store: BigQueryStore, ref: string, projectId: string): FakeTable {
  const parts = ref.split('.');
  const [p, d, t] = parts.length === 3 ? parts : [projectId, ...parts];
  const table = store.table(p!, d!, t!);
  if (!table || table.type !== 'TABLE')
    throw new SchemaUpdateError(404, 'notFound', `Not found: Table ${p}:${d}.${t}`);
  return table;
}

/** TO_JSON_STRING of a stored value under its field's schema: fields in schema order, absent = null. */
function jsonOf(value: unknown, field: FieldSchema): string {
  const render = (v: unknown, f: FieldSchema, element: boolean): unknown => {
    if (!element && isRepeated(f))
      return ((v as unknown[] | null | undefined) ?? []).map((e) => render(e, f, true));
    if (v === null || v === undefined) return null;
    if (standardType(f.type) !== 'STRUCT') return v;
    const record = v as Record<string, unknown>;
    return Object.fromEntries(
      (f.fields ?? []).map((sub) => [sub.name, render(record[sub.name], sub, false)]),
    );
  };
  return JSON.stringify(render(value, field, false));
}
