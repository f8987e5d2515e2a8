import { bigQueryString } from '../dialects/bigquery-ddl.js';
import type { FillTarget } from '../migration/fill-target.js';
import type { TableField } from './table-field.js';

/** What the UPDATE of a fill reads: the staged rows' table, and the event-time span they cover. */
export interface FillStatementInput {
  readonly target: FillTarget;
  /** `` `project.dataset.table` `` of the table to fill and of the staged rows. */
  readonly table: string;
  readonly staged: string;
  /** The table's partitioning column and the span of the staged rows in it, to prune partitions. */
  readonly partition?: { readonly column: string; readonly from: string; readonly to: string };
}

/**
 * The UPDATE that fills a column in place from staged rows (see Warehouse.fillMissing): a top-level
 * scalar where it is NULL, a record or array where it differs from the staged one (for the same
 * event, only in the fields added since; TO_JSON_STRING compares records and arrays, which `=`
 * cannot). The partition filter keeps BigQuery from scanning days the staged events are not in.
 */
export function bigQueryFillStatement({ target, table, staged, partition }: FillStatementInput): string {
  const top = target.chain[0]!;
  const missing =
    target.chain.length === 1 && top.mode !== 'REPEATED'
      ? `t.${top.name} IS NULL`
      : `TO_JSON_STRING(t.${top.name}) != TO_JSON_STRING(s.${top.name})`;
  const span = partition
    ? ` AND t.${partition.column} BETWEEN TIMESTAMP(${bigQueryString(partition.from)}) AND TIMESTAMP(${bigQueryString(partition.to)})`
    : '';
  return `UPDATE ${table} AS t SET ${top.name} = s.${top.name} FROM ${staged} AS s WHERE t.event_id = s.event_id AND ${missing}${span}`;
}

/**
 * The schema of the staging table: event_id, the partitioning column and the target's top-level
 * column, each as the table holds it now (so records have the table's field order, which
 * TO_JSON_STRING follows).
 */
export function fillStagingFields(
  current: readonly TableField[],
  names: readonly string[],
): TableField[] | undefined {
  const fields = names.map((name) => current.find((f) => f.name.toLowerCase() === name.toLowerCase()));
  return fields.every((f) => f !== undefined) ? (fields as TableField[]) : undefined;
}
