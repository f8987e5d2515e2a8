import type { QueryResult } from './warehouse.js';

/** The output formats of `shopstream query` and `shopstream views`. */
export const QUERY_FORMATS = ['table', 'json', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** Renders a query result for a terminal (`table`), for programs (`json`), or for spreadsheets (`csv`). */
export function formatQueryResult(result: QueryResult, format: QueryFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(result.rows, null, 2) + '\n';
    case 'csv':
      return (
        [result.columns, ...result.rows.map((row) => result.columns.map((c) => row[c]))]
          .map((cells) => cells.map(csvCell).join(','))
          .join('\r\n') + '\r\n'
      );
    case 'table':
      return table(result);
  }
}

/** The text of one value: nested values as JSON, NULL as empty. */
function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// RFC 4180: quote a field that holds a comma, a quote, or a line break; double the quotes inside.
function csvCell(value: unknown): string {
  const t = text(value);
  return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
}

/** Cells longer than this are cut with an ellipsis in the table view (json and csv keep everything). */
const MAX_CELL = 60;

function table(result: QueryResult): string {
  const { columns, rows } = result;
  const cell = (value: unknown): string => {
    const t = value === null || value === undefined ? 'NULL' : text(value).replace(/[\r\n\t]+/g, ' ');
    return t.length > MAX_CELL ? `${t.slice(0, MAX_CELL - 1)}…` : t;
  };
  const body = rows.map((row) => columns.map((c) => cell(row[c])));
  const numeric = columns.map(
    (c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || r[c] === null),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((cells) => cells[i]!.length)));
  // Numbers align right (header too), so digits line up; text aligns left.
  const line = (cells: readonly string[]) =>
    cells
      .map((t, i) => (numeric[i] ? t.padStart(widths[i]!) : t.padEnd(widths[i]!)))
      .join(' │ ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const count = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  return [line(columns), rule, ...body.map(line), count].join('\n') + '\n';
}
