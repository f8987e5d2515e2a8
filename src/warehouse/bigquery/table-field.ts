/**
 * A column as the BigQuery REST API (and its JSON schema files) describes it: `TableFieldSchema`.
 * The adapter sends these in `tables.insert` and derives the Storage Write API's protobuf descriptor
 * from the same list, so the table and the rows written to it cannot disagree.
 */
export interface TableField {
  readonly name: string;
  /** STRING, INT64 (or INTEGER), NUMERIC, FLOAT64, BOOL, TIMESTAMP, DATE, STRUCT (or RECORD), … */
  readonly type: string;
  readonly mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  readonly description?: string;
  readonly fields?: readonly TableField[];
}
