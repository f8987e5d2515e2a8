import type { Column, TableModel } from '../model/table-model.js';
import { TABLES } from '../model/tables.js';

/**
 * The model as a Mermaid entity-relationship diagram: every table with its columns (types named the
 * BigQuery way; a STRUCT lists its fields), keys, and the relationships the model declares.
 */
export function mermaidErDiagram(tables: readonly TableModel[] = TABLES): string {
  const lines = ['erDiagram'];
  for (const table of tables) {
    const foreign = new Set(table.relationships.map((r) => r.column.split('.')[0]));
    lines.push(`  ${table.name} {`);
    // Raw tables are at-least-once: their identity is what the views deduplicate on, not a key.
    const keyed = table.kind === 'reference' || table.kind === 'enumeration';
    for (const column of table.columns) {
      const keys = [
        keyed && table.key.includes(column.name) ? 'PK' : '',
        foreign.has(column.name) ? 'FK' : '',
      ]
        .filter(Boolean)
        .join(', ');
      const comment =
        column.type === 'STRUCT'
          ? ` "${(column.fields ?? []).map((f) => f.name).join(', ')}"`
          : !keyed && table.key.includes(column.name)
            ? ' "identity: the views keep one row per value"'
            : '';
      lines.push(`    ${typeName(column)} ${column.name}${keys ? ` ${keys}` : ''}${comment}`);
    }
    lines.push('  }');
  }
  for (const table of tables)
    for (const { column, references } of table.relationships)
      lines.push(`  ${references.table} ||--o{ ${table.name} : "${column}"`);
  return lines.join('\n');
}

function typeName(column: Column): string {
  return column.mode === 'REPEATED' ? `${column.type}[]` : column.type;
}
