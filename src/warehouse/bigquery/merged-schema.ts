import type { TableField } from './table-field.js';

/**
 * The schema to send in tables.patch to add the model's new fields to a table: the table's fields as
 * they are, in their order, with each field the model has and the table lacks appended at the end
 * of its record (BigQuery adds new columns and nested fields only at the end), recursively. Call it
 * only when the table has nothing the model would not keep (see planTableMigration).
 */
export function mergedSchema(current: readonly TableField[], model: readonly TableField[]): TableField[] {
  const byName = new Map(model.map((f) => [f.name.toLowerCase(), f]));
  const merged = current.map((field) => {
    const wanted = byName.get(field.name.toLowerCase());
    byName.delete(field.name.toLowerCase());
    return wanted?.fields && field.fields
      ? { ...field, fields: mergedSchema(field.fields, wanted.fields) }
      : field;
  });
  return [...merged, ...byName.values()];
}
