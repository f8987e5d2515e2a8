import type { StoredAs } from '../migration/plan-table-migration.js';
import type { StoredColumn } from '../migration/stored-column.js';
import type { TableField } from './table-field.js';

/** BigQuery reports legacy type names (INTEGER, RECORD); both spellings are the same type. */
const STANDARD: Readonly<Record<string, string>> = {
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  RECORD: 'STRUCT',
};

/** A table's columns as tables.get reports them, in standard type names, NULLABLE where no mode is set. */
export function storedColumnsOf(fields: readonly TableField[]): StoredColumn[] {
  return fields.map((field) => {
    const type = field.type.toUpperCase();
    return {
      name: field.name,
      type: STANDARD[type] ?? type,
      mode: field.mode ?? 'NULLABLE',
      ...(field.fields ? { fields: storedColumnsOf(field.fields) } : {}),
    };
  });
}

/** The model's types are BigQuery's standard names, and BigQuery keeps every mode, nested ones too. */
export const bigQueryStoredAs: StoredAs = (column) => ({ type: column.type, mode: column.mode });
