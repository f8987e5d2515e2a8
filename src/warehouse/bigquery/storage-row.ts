import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { TableField } from './table-field.js';

/** A row as the managed writer's JSONWriter takes it. */
export type StorageValue = string | number | boolean | StorageRow | StorageValue[];
export interface StorageRow {
  [column: string]: StorageValue;
}

/**
 * Converts a warehouse row (rows.ts: RFC 3339 strings for times, JS numbers for money) into what the
 * Storage Write API's protobuf rows carry for each column type, following the table's schema:
 *
 * - TIMESTAMP → int64 microseconds since the epoch. The descriptor the library derives declares
 *   TIMESTAMP as int64, and its JSONWriter converts only `Date` objects, which would lose the
 *   microseconds an RFC 3339 string may carry, so the string is converted here exactly.
 * - NUMERIC/BIGNUMERIC → decimal text (`"19.99"`), the string form the API parses exactly. A JS
 *   number is written with the shortest digits that read back as the same double (what the event's
 *   JSON said), rounded to NUMERIC's 9 decimals, never in exponent form.
 * - DATE → int32 days since the epoch; STRUCT → nested row; REPEATED → array; null/undefined → the
 *   field is left out (NULL, or [] for REPEATED).
 * - Text with a lone UTF-16 surrogate (valid in a JS string, and in JSON as an escape) gets U+FFFD
 *   in its place: protobuf strings are UTF-8, which has no form for it (ndjson() does the same).
 * - Columns not in the schema are dropped; other scalars pass through.
 *
 * Throws SHOP_E_WAREHOUSE_REJECTED (not retryable) for a value that cannot be converted.
 */
export function storageRowOf(fields: readonly TableField[], row: object, path = ''): StorageRow {
  const out: StorageRow = {};
  const values = row as Record<string, unknown>;
  for (const field of fields) {
    const value = values[field.name];
    if (value === null || value === undefined) continue;
    const at = path ? `${path}.${field.name}` : field.name;
    if (field.mode === 'REPEATED') {
      if (!Array.isArray(value)) throw rejected(at, value, 'an array');
      out[field.name] = value.map((v, i) => storageValueOf(field, v, `${at}[${i}]`));
    } else {
      out[field.name] = storageValueOf(field, value, at);
    }
  }
  return out;
}

function storageValueOf(field: TableField, value: unknown, path: string): StorageValue {
  switch (field.type.toUpperCase()) {
    case 'STRUCT':
    case 'RECORD':
      if (typeof value !== 'object' || value === null) throw rejected(path, value, 'an object');
      return storageRowOf(field.fields ?? [], value, path);
    case 'TIMESTAMP':
      if (typeof value !== 'string') throw rejected(path, value, 'an RFC 3339 timestamp string');
      return timestampMicros(value, path);
    case 'NUMERIC':
    case 'BIGNUMERIC':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'bigint') return decimalText(value, path);
      throw rejected(path, value, 'a number');
    case 'DATE':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !isCalendarDate(value)) {
        throw rejected(path, value, 'a YYYY-MM-DD date');
      }
      return Date.parse(`${value}T00:00:00Z`) / 86_400_000;
    default:
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'string') return wellFormed(value);
      return value as StorageValue;
  }
}

/** ES2024's String.prototype.isWellFormed/toWellFormed: Node.js 20 has them, TypeScript's ES2023 lib not. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

function wellFormed(text: string): string {
  const t = text as unknown as WellFormedString;
  return t.isWellFormed() ? text : t.toWellFormed();
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 timestamp → microseconds since the epoch, exactly (digits past the microsecond are
 * truncated, as BigQuery's TIMESTAMP keeps microseconds). A number in µs fits a double exactly for
 * any date before year 2255.
 */
export function timestampMicros(text: string, path = 'timestamp'): number {
  const m = RFC3339.exec(text);
  // Date.parse rolls 2024-02-30 over to March; an impossible date must be refused instead.
  const seconds =
    m && isCalendarDate(m[1]!) ? Date.parse(`${m[1]}T${m[2]}${m[4]!.toUpperCase()}`) : Number.NaN;
  if (!m || Number.isNaN(seconds)) throw rejected(path, text, 'an RFC 3339 timestamp');
  const micros = Number((m[3] ?? '').padEnd(6, '0').slice(0, 6));
  return seconds * 1000 + micros;
}

/** `YYYY-MM-DD` texts found to be real dates: the rows of a batch carry few distinct days. */
const CALENDAR_DATES = new Set<string>();

function isCalendarDate(date: string): boolean {
  if (CALENDAR_DATES.has(date)) return true;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const valid = m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (valid) {
    if (CALENDAR_DATES.size >= 10_000) CALENDAR_DATES.clear();
    CALENDAR_DATES.add(date);
  }
  return valid;
}

/**
 * A JS number → decimal text without exponent, at most 9 fractional digits (NUMERIC's scale).
 * `String(n)` gives the shortest digits that round-trip, so 19.99 stays "19.99".
 */
export function decimalText(value: number | bigint, path = 'value'): string {
  if (typeof value === 'bigint') return value.toString();
  if (!Number.isFinite(value)) throw rejected(path, value, 'a finite number');
  const shortest = String(value);
  if (!/e/i.test(shortest)) {
    const fraction = shortest.split('.')[1] ?? '';
    return fraction.length <= 9 ? shortest : trimZeros(value.toFixed(9));
  }
  // Exponent form: tiny (< 1e-6) or huge (≥ 1e21) magnitudes.
  return Math.abs(value) >= 1e21 ? BigInt(value).toString() : trimZeros(value.toFixed(9));
}

function trimZeros(fixed: string): string {
  const trimmed = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  return trimmed === '-0' ? '0' : trimmed;
}

function rejected(path: string, value: unknown, expected: string): ShopstreamError {
  return new ShopstreamError(
    'SHOP_E_WAREHOUSE_REJECTED',
    `bigquery: column ${path} needs ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
    { context: { column: path } },
  );
}
