import type { BigQueryStore, FakeTable } from './bigquery-store.js';
import { standardType, type FieldSchema } from './row-values.js';

/** A refusal as BigQuery words it, with the HTTP status and reason of its error. */
export class SchemaUpdateError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const SCALARS = new Set([
  'STRING',
  'INT64',
  'NUMERIC',
  'BIGNUMERIC',
  'FLOAT64',
  'BOOL',
  'TIMESTAMP',
  'DATE',
  'DATETIME',
  'TIME',
  'BYTES',
  'JSON',
]);
/** The names tables.get reports for a standard type (what the service stores). */
const API_NAME: Readonly<Record<string, string>> = { INT64: 'INTEGER', FLOAT64: 'FLOAT', BOOL: 'BOOLEAN' };

/**
 * Applies `ALTER TABLE <table> ADD COLUMN [IF NOT EXISTS] <name> <type> [OPTIONS (description = "…")]`
 * (one or more clauses, comma-separated) as BigQuery does: the column is appended at the end of the
 * table, NULLABLE (or REPEATED for ARRAY<…>), existing rows read NULL. Parsed strictly: a scalar type
 * or an ARRAY of one (no STRUCT: ours add RECORD fields with tables.patch), no NOT NULL (BigQuery adds
 * no REQUIRED column to an existing table), nothing else. Returns the table; throws
 * {@link SchemaUpdateError} as the service would answer.
 */
export function alterTableAddColumns(
  sql: string,
  store: BigQueryStore,
  projectId: string,
  defaultDataset?: { projectId: string; datasetId: string },
): FakeTable {
  const invalid = (message: string): never => {
    throw new SchemaUpdateError(400, 'invalidQuery', message);
  };
  const head = /^\s*ALTER\s+TABLE\s+(`[^`]+`|[\w.-]+)\s+/i.exec(sql);
  if (!head)
    return invalid(`Syntax error: fake-bigquery reads ALTER TABLE <table> ADD COLUMN … only: ${sql}`);
  const parts = head[1]!.replaceAll('`', '').split('.');
  const [p, d, t] =
    parts.length === 3
      ? parts
      : parts.length === 2
        ? [projectId, ...parts]
        : [defaultDataset?.projectId, defaultDataset?.datasetId, parts[0]];
  const table = p && d && t ? store.table(p, d, t) : undefined;
  if (!table) throw new SchemaUpdateError(404, 'notFound', `Not found: Table ${p}:${d}.${t}`);
  if (table.type !== 'TABLE') return invalid(`ALTER TABLE ADD COLUMN cannot be used on ${table.type} ${t}`);
  const clause =
    /^ADD\s+COLUMN\s+(IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s+(ARRAY<\s*([A-Z0-9_]+)\s*>|[A-Z0-9_]+)(\s+NOT\s+NULL)?(?:\s+OPTIONS\s*\(\s*description\s*=\s*("(?:[^"\\]|\\.)*")\s*\))?\s*(,\s*|$)/i;
  let rest = sql.slice(head[0].length).trim();
  const added: FieldSchema[] = [];
  while (rest.length > 0) {
    const m = clause.exec(rest);
    if (!m) return invalid(`Syntax error: fake-bigquery cannot read this ADD COLUMN clause: ${rest}`);
    const [whole, ifNotExists, name, spelled, element, notNull, description] = m;
    const type = standardType(element ?? spelled!);
    if (!SCALARS.has(type))
      return invalid(`fake-bigquery: column type ${spelled} is not supported by ALTER TABLE here`);
    if (notNull) return invalid(`Column ${name} cannot be added as NOT NULL to an existing table`);
    const exists = [...table.schema, ...added].some((f) => f.name.toLowerCase() === name!.toLowerCase());
    if (exists && !ifNotExists) return invalid(`Column already exists: ${name}`);
    if (!exists)
      added.push({
        name: name!,
        type: API_NAME[type] ?? type,
        mode: element ? 'REPEATED' : 'NULLABLE',
        ...(description ? { description: JSON.parse(description) as string } : {}),
      });
    rest = rest.slice(whole!.length);
  }
  setSchema(table, [...table.schema, ...added]);
  return table;
}

/**
 * Checks a schema sent in tables.patch against the table's, as the service does: every existing
 * field stays, with its type and mode (REQUIRED may relax to NULLABLE), in its place: new fields
 * come after the existing ones of their record; a new field is NULLABLE or REPEATED, unless it sits
 * inside a new RECORD. Throws {@link SchemaUpdateError} naming the field.
 */
export function checkSchemaUpdate(
  tableName: string,
  old: readonly FieldSchema[],
  now: readonly FieldSchema[],
  prefix = '',
): void {
  const refuse = (why: string): never => {
    throw new SchemaUpdateError(400, 'invalid', `Provided Schema does not match Table ${tableName}. ${why}`);
  };
  old.forEach((field, index) => {
    const path = prefix + field.name;
    const next = now[index];
    if (!next || next.name.toLowerCase() !== field.name.toLowerCase()) {
      const elsewhere = now.some((f) => f.name.toLowerCase() === field.name.toLowerCase());
      refuse(
        elsewhere
          ? `Field ${path} has moved: new fields go after the existing ones.`
          : `Field ${path} is missing in new schema`,
      );
    }
    const [was, is] = [standardType(field.type), standardType(next!.type)];
    if (was !== is) refuse(`Field ${path} has changed type from ${was} to ${is}`);
    const [wasMode, isMode] = [field.mode ?? 'NULLABLE', next!.mode ?? 'NULLABLE'];
    if (wasMode !== isMode && !(wasMode === 'REQUIRED' && isMode === 'NULLABLE'))
      refuse(`Field ${path} has changed mode from ${wasMode} to ${isMode}`);
    if (was === 'STRUCT') checkSchemaUpdate(tableName, field.fields ?? [], next!.fields ?? [], `${path}.`);
  });
  for (const field of now.slice(old.length))
    if ((field.mode ?? 'NULLABLE') === 'REQUIRED')
      refuse(`Cannot add required fields to an existing schema. (field: ${prefix}${field.name})`);
}

/** Replaces a table's schema, in what tables.get answers too. */
export function setSchema(table: FakeTable, fields: readonly FieldSchema[]): void {
  table.schema = fields;
  table.resource.schema = { fields };
}
