import type {
  DuckDBBlobValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  JS,
  DuckDBType,
  DuckDBValue,
  DuckDBValueConverter,
} from '@duckdb/node-api';
import { DuckDBTypeId, JSDuckDBValueConverter } from './duckdb-api.js';

/** A query result value as plain JS: what `Warehouse.query` promises its callers. */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

/**
 * Converts DuckDB values to plain JS that survives JSON: integers and decimals become numbers when
 * the number is exact (else their decimal string), timestamps ISO-8601 UTC strings
 * (`2024-05-01T10:00:00.123Z`, microseconds when there are any), dates `YYYY-MM-DD`, lists arrays
 * and structs objects. Everything else falls back to DuckDB's JS form, or its text.
 */
export const plainValue: DuckDBValueConverter<PlainValue> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM: {
      const n = value as bigint;
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(n)
        : n.toString();
    }
    case DuckDBTypeId.DECIMAL:
      return decimal(value as DuckDBDecimalValue);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return isoFromMicros((value as DuckDBTimestampTZValue).micros) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_MS:
      return isoFromMicros((value as DuckDBTimestampMillisecondsValue).millis * 1000n) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_S:
      return isoFromMicros((value as DuckDBTimestampSecondsValue).seconds * 1_000_000n) ?? String(value);
    case DuckDBTypeId.TIMESTAMP_NS:
      return isoFromMicros((value as DuckDBTimestampNanosecondsValue).nanos / 1000n) ?? String(value);
    case DuckDBTypeId.DATE:
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
    case DuckDBTypeId.TIME_TZ:
    case DuckDBTypeId.INTERVAL:
    case DuckDBTypeId.BIT:
      return String(value);
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.UNION:
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID:
      // Nested types recurse through `converter`, so their elements get the rules above.
      return JSDuckDBValueConverter(
        value,
        type,
        converter as unknown as DuckDBValueConverter<JS>,
      ) as PlainValue;
    default:
      return fallback(value, type);
  }
};

function fallback(value: DuckDBValue, _type: DuckDBType): PlainValue {
  return String(value);
}

/**
 * A DECIMAL as a number when that number prints back as the same decimal (19.99, not
 * 19.989999999999998), else as its exact text (more than ~15 significant digits).
 */
function decimal(value: DuckDBDecimalValue): PlainValue {
  const text = value.toString();
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  const shortest = String(n);
  if (shortest.includes('e')) return n.toFixed(value.scale) === text ? n : text;
  const normalized = text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  return shortest === (normalized === '-0' ? '0' : normalized) ? n : text;
}

/** ISO-8601 UTC text of a microsecond timestamp; undefined outside JS Date's range (±infinity). */
export function isoFromMicros(micros: bigint): string | undefined {
  let ms = micros / 1000n;
  if (micros < 0n && ms * 1000n !== micros) ms -= 1n; // floor, not truncate, before the epoch
  const sub = micros - ms * 1000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString();
  return sub === 0n ? iso : `${iso.slice(0, -1)}${sub.toString().padStart(3, '0')}Z`;
}
