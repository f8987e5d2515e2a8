import { formatQueryResult } from '../warehouse/query-result-format.js';
import { GAP_KINDS, type GapKind, type ReconcileReport } from './ledger.js';

/** The output formats of `shopstream reconcile`, as of `shopstream query`. */
export const RECONCILE_FORMATS = ['table', 'json', 'csv'] as const;
export type ReconcileFormat = (typeof RECONCILE_FORMATS)[number];

const COLUMNS = [
  'bucket',
  'type',
  'archived',
  'lake',
  'warehouse',
  'deadLettered',
  'missing',
  'unarchived',
  'lakeShort',
  'both',
  'status',
] as const;

/** What each kind of gap means, and which side is short. */
export const GAP_MEANINGS: Readonly<Record<GapKind, string>> = {
  missing: 'archived but neither in the warehouse nor dead-lettered (the pipeline is short)',
  unarchived: 'in the warehouse or the DLQ but not in the archive (the archive is short)',
  lakeShort: 'in the warehouse but not in the lake (the lake is short)',
  both: 'both in the warehouse and dead-lettered (counted twice)',
};

/**
 * Renders a reconcile report: `table` for a terminal (the ledger, the DLQ by code, then the verdict
 * with the first event ids of each gap), `json` (the whole report), `csv` (the ledger's rows).
 */
export function formatReconcileReport(report: ReconcileReport, format: ReconcileFormat): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  const rows = report.buckets.map((b) => ({ ...b, status: b.balanced ? 'ok' : 'GAP' }));
  if (format === 'csv') return formatQueryResult({ columns: COLUMNS, rows }, 'csv');
  const total = { bucket: 'total', type: '', ...report.totals, status: report.balanced ? 'ok' : 'GAP' };
  const lines = [
    `reconcile: event times from ${report.from ?? 'the beginning'} to ${report.to}, by ${report.by}`,
    formatQueryResult({ columns: COLUMNS, rows: [...rows, total] }, 'table').trimEnd(),
  ];
  const codes = Object.entries(report.deadLetteredByCode);
  if (codes.length > 0)
    lines.push(`dead-lettered by code: ${codes.map(([c, n]) => `${c} ${n}`).join(' · ')}`);
  if (report.balanced) {
    lines.push(
      'balanced: archived = warehouse + dead-lettered in every bucket, and the lake holds the warehouse',
    );
  } else {
    const unbalanced = report.buckets.filter((b) => !b.balanced).length;
    lines.push(`NOT BALANCED: ${unbalanced} of ${report.buckets.length} buckets`);
    for (const kind of GAP_KINDS) {
      const { count, first } = report.gaps[kind];
      if (count === 0) continue;
      lines.push(`  ${kind} ${count}: ${GAP_MEANINGS[kind]}`);
      for (const gap of first) lines.push(`    ${gap.eventId}  ${gap.type}  ${gap.bucket}`);
      if (count > first.length) lines.push(`    … ${count - first.length} more (--limit)`);
    }
  }
  return lines.join('\n') + '\n';
}
