import type { TableField } from './table-field.js';

/** BigQuery reports legacy type names (INTEGER, RECORD); both spellings are the same type. */
const STANDARD: Readonly<Record<string, string>> = {
  INTEGER: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  RECORD: 'STRUCT',
};

/**
 * How an existing table's columns differ from the model's, one line per difference (empty when
 * they agree): a column missing, extra, of another type or mode, in nested records too. Order is
 * not compared: BigQuery matches columns by name.
 */
export function schemaDifferences(
  expected: readonly TableField[],
  actual: readonly TableField[],
  prefix = '',
): string[] {
  const differences: string[] = [];
  const found = new Map(actual.map((f) => [f.name.toLowerCase(), f]));
  for (const want of expected) {
    const path = `${prefix}${want.name}`;
    const have = found.get(want.name.toLowerCase());
    found.delete(want.name.toLowerCase());
    if (!have) {
      differences.push(`${path} is missing`);
      continue;
    }
    const [wantType, haveType] = [typeOf(want), typeOf(have)];
    const [wantMode, haveMode] = [want.mode ?? 'NULLABLE', have.mode ?? 'NULLABLE'];
    if (wantType !== haveType || wantMode !== haveMode) {
      differences.push(`${path} is ${haveMode} ${haveType}, the model has ${wantMode} ${wantType}`);
    } else if (wantType === 'STRUCT') {
      differences.push(...schemaDifferences(want.fields ?? [], have.fields ?? [], `${path}.`));
    }
  }
  for (const extra of found.values()) differences.push(`${prefix}${extra.name} is not in the model`);
  return differences;
}

function typeOf(field: TableField): string {
  const type = field.type.toUpperCase();
  return STANDARD[type] ?? type;
}
