// JSON.stringify writes a lone UTF-16 surrogate (valid in a JS string, and in JSON text as an escape)
// as \udXXX; DuckDB's JSON reader rejects it, and it has no UTF-8 form anyway. A paired surrogate is
// written as the character itself, so any such escape in the output is a lone one.
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f][0-9a-f]{2}/i;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One JSON object per line; lone surrogates become U+FFFD, as any UTF-8 encoder would write them. */
export function ndjson(rows: readonly object[]): string {
  const text = rows.map((row) => JSON.stringify(row)).join('\n');
  if (!LONE_SURROGATE_ESCAPE.test(text)) return text;
  return rows
    .map((row) =>
      JSON.stringify(row, (_key, value: unknown) =>
        typeof value === 'string' ? value.replace(LONE_SURROGATE, '\ufffd') : value,
      ),
    )
    .join('\n');
}
