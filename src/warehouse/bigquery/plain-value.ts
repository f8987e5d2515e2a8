/**
 * A value of a row `@google-cloud/bigquery` parsed from a query response → a plain JS value (the
 * port's QueryResult promises numbers, strings, booleans, null, arrays and objects):
 *
 * - TIMESTAMP, DATE, DATETIME, TIME, GEOGRAPHY arrive wrapped (`BigQueryTimestamp` and friends,
 *   with the text in `.value`) → that text; TIMESTAMP as ISO-8601 UTC with milliseconds, or
 *   microseconds when it has them.
 * - NUMERIC/BIGNUMERIC arrive as Big.js decimals → a JS number when it prints back as the same
 *   decimal (19.99), else the exact text (more than ~15 significant digits): the DuckDB adapter's
 *   rule for DECIMAL, so both warehouses give the same answers.
 * - BYTES arrive as Buffers → base64 text.
 * - INT64 arrives as a number when it is safe, else (see {@link integerOfText}) as its text.
 */
export function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(plainValue);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value !== 'object') return value;
  const name = value.constructor?.name;
  if (name === 'Big') return decimal(String(value));
  if (name === 'BigQueryTimestamp') return isoTimestamp(String((value as { value: unknown }).value));
  if (name !== 'Object' && 'value' in value) return (value as { value: unknown }).value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = plainValue(v);
  return out;
}

function decimal(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  const normalized = text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  return String(n) === (normalized === '-0' ? '0' : normalized) ? n : text;
}

/**
 * The library writes TIMESTAMPs with nanoseconds (`…00.123456000Z`); BigQuery keeps microseconds.
 * Written as JS writes dates (`…00.123Z`) unless there are microseconds (`…00.123456Z`).
 */
function isoTimestamp(text: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!m) return text;
  const micros = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return `${m[1]}.${micros.endsWith('000') ? micros.slice(0, 3) : micros}Z`;
}

/**
 * The library's `integerTypeCastFunction`: INT64 text → a number when it is a safe integer, else
 * the text (a JS number would silently change it; the library would throw instead).
 */
export function integerOfText(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}
