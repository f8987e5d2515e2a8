/**
 * BigQuery column values as the fake server keeps them, and the checks the service applies to values
 * arriving through the Storage Write API (protobuf) and through load jobs (newline-delimited JSON).
 *
 * Stored forms (what a test asserts on): STRING/JSON/DATETIME/TIME/GEOGRAPHY → string;
 * BYTES → base64 string; INT64 → number; FLOAT64 → number; BOOL → boolean; NUMERIC/BIGNUMERIC → the
 * canonical decimal string (`"19.9"`, no exponent, no trailing zeros); TIMESTAMP → UTC ISO-8601
 * with microseconds (`"2024-05-01T08:00:00.123456Z"`); DATE → `"YYYY-MM-DD"`; STRUCT → object;
 * REPEATED → array (an absent repeated field is `[]`); NULL → null.
 */

/** A column as the BigQuery REST API describes it (`TableFieldSchema`). */
export interface FieldSchema {
  readonly name: string;
  readonly type: string;
  readonly mode?: string;
  readonly fields?: readonly FieldSchema[];
  readonly description?: string;
  /** A parameterized type's limit (`STRING(L)`, `BYTES(L)`), as the REST API sends it (int64 text). */
  readonly maxLength?: string | number;
}

/** A value the service would refuse, with the column path. */
export class RowValueError extends Error {}

const TYPE_ALIASES: Readonly<Record<string, string>> = {
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  RECORD: 'STRUCT',
};

const STANDARD_TYPES = new Map<string, string>();

/** The standard-SQL name of a REST type: INTEGER → INT64, RECORD → STRUCT. */
export function standardType(type: string): string {
  let standard = STANDARD_TYPES.get(type);
  if (standard === undefined) {
    const upper = type.toUpperCase();
    STANDARD_TYPES.set(type, (standard = TYPE_ALIASES[upper] ?? upper));
  }
  return standard;
}

export function isRepeated(field: FieldSchema): boolean {
  return field.mode?.toUpperCase() === 'REPEATED';
}

export function isRequired(field: FieldSchema): boolean {
  return field.mode?.toUpperCase() === 'REQUIRED';
}

const MIN_MICROS = -62135596800000000n; // 0001-01-01T00:00:00Z
const MAX_MICROS = 253402300799999999n; // 9999-12-31T23:59:59.999999Z

/** `YYYY-MM-DDTHH:MM:SS` of a second since the epoch; rows of a request share few seconds. */
const SECOND_TEXTS = new Map<number, string>();

/** Microseconds since the epoch → `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function timestampOfMicros(micros: bigint | number, path: string): string {
  // Any safe integer (|µs| < 2^53, until the year 2255) is in range and exact as a number.
  if (typeof micros === 'number' && Number.isSafeInteger(micros)) {
    const second = Math.floor(micros / 1_000_000);
    let text = SECOND_TEXTS.get(second);
    if (text === undefined) {
      if (SECOND_TEXTS.size >= 100_000) SECOND_TEXTS.clear();
      SECOND_TEXTS.set(second, (text = new Date(second * 1000).toISOString().slice(0, 19)));
    }
    return `${text}.${String(micros - second * 1_000_000).padStart(6, '0')}Z`;
  }
  const exact = BigInt(micros);
  if (exact < MIN_MICROS || exact > MAX_MICROS) {
    throw new RowValueError(`${path}: timestamp ${exact} µs is outside 0001-01-01..9999-12-31`);
  }
  const ms = exact / 1000n - (exact % 1000n < 0n ? 1n : 0n);
  const sub = Number(exact - ms * 1000n);
  const iso = new Date(Number(ms)).toISOString(); // …SS.mmmZ
  return `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

/** An RFC 3339 / BigQuery timestamp string → microseconds since the epoch. */
export function microsOfTimestampText(text: string, path: string): bigint {
  const m =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
      text.trim(),
    );
  if (!m) throw new RowValueError(`${path}: "${text}" is not a valid TIMESTAMP`);
  const zone = m[4] === undefined || /^(z|utc)$/i.test(m[4]) ? 'Z' : normalizeOffset(m[4]);
  const seconds = Date.parse(`${m[1]}T${m[2]}${zone}`);
  if (Number.isNaN(seconds)) throw new RowValueError(`${path}: "${text}" is not a valid TIMESTAMP`);
  const fraction = (m[3] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(seconds) * 1000n + BigInt(fraction);
}

function normalizeOffset(offset: string): string {
  const digits = offset.slice(1).replace(':', '');
  return `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

const NUMERIC_LIMITS: Readonly<Record<string, { int: number; frac: number }>> = {
  NUMERIC: { int: 29, frac: 9 },
  BIGNUMERIC: { int: 38, frac: 38 },
};

/** A decimal text → its canonical form; refuses what NUMERIC/BIGNUMERIC cannot hold. */
export function canonicalDecimal(text: string, type: 'NUMERIC' | 'BIGNUMERIC', path: string): string {
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new RowValueError(`${path}: "${text}" is not a valid ${type} (exponents are not accepted here)`);
  }
  const int = m[2]!.replace(/^0+(?=\d)/, '') || '0';
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const limits = NUMERIC_LIMITS[type]!;
  if (int.length > limits.int || frac.length > limits.frac) {
    throw new RowValueError(
      `${path}: "${text}" does not fit ${type} (at most ${limits.int} integer and ${limits.frac} fractional digits)`,
    );
  }
  const sign = m[1] === '-' && (int !== '0' || frac !== '') ? '-' : '';
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

function dateOfDays(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

function checkDateText(text: string, path: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
    throw new RowValueError(`${path}: "${text}" is not a valid DATE`);
  }
  return text;
}

function int64Of(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : value;
  if (typeof text !== 'string' || !/^[+-]?\d+$/.test(text.trim())) {
    throw new RowValueError(`${path}: ${JSON.stringify(value)} is not a valid INT64`);
  }
  const n = BigInt(text.trim());
  if (n < -(2n ** 63n) || n >= 2n ** 63n) throw new RowValueError(`${path}: ${text} is out of INT64 range`);
  return Number(n);
}

/** Protobuf field types the service accepts for each column type (Storage Write API rules). */
const PROTO_TYPES: Readonly<Record<string, readonly string[]>> = {
  STRING: ['string'],
  JSON: ['string'],
  GEOGRAPHY: ['string'],
  DATETIME: ['string', 'int64'],
  TIME: ['string', 'int64'],
  BYTES: ['bytes'],
  INT64: ['int64', 'int32', 'uint32', 'sint64', 'sint32', 'sfixed64', 'fixed32', 'fixed64', 'uint64', 'enum'],
  FLOAT64: ['double', 'float'],
  BOOL: ['bool'],
  NUMERIC: ['string', 'bytes'],
  BIGNUMERIC: ['string', 'bytes'],
  TIMESTAMP: ['int64', 'string', 'sfixed64', 'double'],
  DATE: ['int32', 'int64', 'string'],
  STRUCT: ['message'],
};

/** The parts of a protobufjs field the checks need (type name, repeated, resolved message type). */
export interface ProtoFieldInfo {
  readonly type: string;
  readonly repeated: boolean;
  readonly isMessage: boolean;
}

/** Refuses a writer schema field whose protobuf type cannot carry the column's type. */
export function checkProtoField(column: FieldSchema, proto: ProtoFieldInfo, path: string): void {
  const type = standardType(column.type);
  const protoType = proto.isMessage ? 'message' : proto.type;
  const allowed = PROTO_TYPES[type];
  if (!allowed) throw new RowValueError(`${path}: column type ${column.type} is not supported by this fake`);
  if (!allowed.includes(protoType)) {
    throw new RowValueError(`${path}: protobuf type ${protoType} cannot be written to a ${type} column`);
  }
  if (proto.repeated !== isRepeated(column)) {
    throw new RowValueError(
      `${path}: the field is ${proto.repeated ? '' : 'not '}repeated but the column mode is ${column.mode ?? 'NULLABLE'}`,
    );
  }
}

/**
 * Refuses a STRING(L) value longer than L characters (Unicode code points) or a BYTES(L) value over
 * L bytes, in the words of the service's row error.
 */
function checkMaxLength(column: FieldSchema, type: string, value: unknown, path: string): void {
  if (column.maxLength === undefined || typeof value !== 'string') return;
  const max = Number(column.maxLength);
  const length = type === 'BYTES' ? Buffer.from(value, 'base64').length : [...value].length;
  if (length > max) {
    throw new RowValueError(
      `Field ${path}: ${type}(${max}) has maximum length ${max} but got a value with length ${length}`,
    );
  }
}

/**
 * One scalar value decoded from protobuf (int64 as a number, bigint or decimal text, bytes as
 * base64) → its stored form. STRUCTs are read by proto-row-reader.ts.
 */
export function scalarFromProto(column: FieldSchema, value: unknown, path: string): unknown {
  const type = standardType(column.type);
  checkMaxLength(column, type, value, path);
  switch (type) {
    case 'TIMESTAMP':
      if (typeof value === 'number' || typeof value === 'bigint') return timestampOfMicros(value, path);
      if (typeof value === 'string' && !/^[+-]?\d+$/.test(value)) {
        return timestampOfMicros(microsOfTimestampText(value, path), path);
      }
      return timestampOfMicros(BigInt(value as string), path);
    case 'DATE':
      return typeof value === 'string' && value.includes('-')
        ? checkDateText(value, path)
        : dateOfDays(Number(value));
    case 'NUMERIC':
    case 'BIGNUMERIC':
      if (typeof value !== 'string')
        throw new RowValueError(`${path}: ${type} must be sent as a string here`);
      return canonicalDecimal(value, type, path);
    case 'INT64':
      return int64Of(value, path);
    case 'FLOAT64':
      return Number(value);
    case 'BOOL':
      return Boolean(value);
    default:
      return value;
  }
}

/** One value from a newline-delimited JSON load → its stored form (JSON load rules). */
function scalarFromJson(column: FieldSchema, value: unknown, path: string): unknown {
  const type = standardType(column.type);
  checkMaxLength(column, type, value, path);
  const wrong = (): never => {
    throw new RowValueError(`${path}: ${JSON.stringify(value)} is not a valid ${type}`);
  };
  switch (type) {
    case 'STRUCT':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong();
      return rowFromFields(column.fields ?? [], value as Record<string, unknown>, path, scalarFromJson, true);
    case 'TIMESTAMP':
      if (typeof value === 'number') return timestampOfMicros(BigInt(Math.round(value * 1e6)), path);
      if (typeof value !== 'string') return wrong();
      return timestampOfMicros(microsOfTimestampText(value, path), path);
    case 'DATE':
      return typeof value === 'string' ? checkDateText(value, path) : wrong();
    case 'NUMERIC':
    case 'BIGNUMERIC':
      if (typeof value === 'number') return canonicalDecimal(plainDecimal(value), type, path);
      return typeof value === 'string' ? canonicalDecimal(value, type, path) : wrong();
    case 'INT64':
      if (typeof value === 'number' && !Number.isInteger(value)) return wrong();
      return int64Of(value, path);
    case 'FLOAT64':
      if (typeof value === 'number') return value;
      return typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))
        ? Number(value)
        : wrong();
    case 'BOOL':
      if (typeof value === 'boolean') return value;
      return value === 'true' ? true : value === 'false' ? false : wrong();
    case 'STRING':
    case 'DATETIME':
    case 'TIME':
    case 'GEOGRAPHY':
      return typeof value === 'string' ? value : wrong();
    case 'JSON':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'BYTES':
      return typeof value === 'string' ? value : wrong();
    default:
      throw new RowValueError(`${path}: column type ${column.type} is not supported by this fake`);
  }
}

function plainDecimal(n: number): string {
  return n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

type ScalarDecoder = (column: FieldSchema, value: unknown, path: string) => unknown;

function rowFromFields(
  columns: readonly FieldSchema[],
  input: Record<string, unknown>,
  prefix: string,
  decode: ScalarDecoder,
  rejectUnknown = false,
): Record<string, unknown> {
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  if (rejectUnknown) {
    for (const key of Object.keys(input)) {
      if (!byName.has(key.toLowerCase())) {
        throw new RowValueError(`${prefix}${prefix ? '.' : ''}${key}: no such field`);
      }
    }
  }
  const lowerInput = new Map(Object.entries(input).map(([k, v]) => [k.toLowerCase(), v]));
  const out: Record<string, unknown> = {};
  for (const column of columns) {
    const path = `${prefix}${prefix ? '.' : ''}${column.name}`;
    const value = lowerInput.get(column.name.toLowerCase());
    if (isRepeated(column)) {
      if (value === undefined || value === null) {
        out[column.name] = [];
        continue;
      }
      if (!Array.isArray(value)) throw new RowValueError(`${path}: expected an array (REPEATED)`);
      out[column.name] = value.map((v, i) => {
        if (v === null) throw new RowValueError(`${path}[${i}]: an array element cannot be NULL`);
        return decode(column, v, `${path}[${i}]`);
      });
      continue;
    }
    if (value === undefined || value === null) {
      if (isRequired(column)) throw new RowValueError(`${path}: missing required field`);
      out[column.name] = null;
      continue;
    }
    out[column.name] = decode(column, value, path);
  }
  return out;
}

/** A row of a newline-delimited JSON load → its stored form; throws {@link RowValueError}. */
export function rowFromJson(
  columns: readonly FieldSchema[],
  input: Record<string, unknown>,
): Record<string, unknown> {
  return rowFromFields(columns, input, '', scalarFromJson, true);
}

/** A REST `f`/`v` cell of a query response for a stored value (all scalars travel as strings). */
export function restCell(column: FieldSchema, value: unknown, useInt64Timestamp: boolean): unknown {
  if (value === null || value === undefined) return isRepeated(column) ? [] : null;
  if (isRepeated(column)) {
    const element = { ...column, mode: 'NULLABLE' };
    return (value as unknown[]).map((v) => ({ v: restCell(element, v, useInt64Timestamp) }));
  }
  const type = standardType(column.type);
  if (type === 'STRUCT') {
    const row = value as Record<string, unknown>;
    return { f: (column.fields ?? []).map((f) => ({ v: restCell(f, row[f.name], useInt64Timestamp) })) };
  }
  if (type === 'TIMESTAMP') {
    const micros = microsOfTimestampText(String(value), column.name);
    // Without useInt64Timestamp the API sends float seconds, e.g. "1.7145504E9".
    return useInt64Timestamp ? micros.toString() : String(Number(micros) / 1e6);
  }
  if (type === 'JSON' && typeof value !== 'string') return JSON.stringify(value);
  return String(value);
}
