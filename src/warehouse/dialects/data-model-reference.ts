import type { Column, TableModel } from '../model/table-model.js';
import { TABLES } from '../model/tables.js';
import type { ViewModel } from '../model/view-model.js';
import { VIEWS } from '../model/views.js';
import { tablesReadBy } from './view-sql.js';
import { mermaidErDiagram } from './mermaid-er.js';

/** Markers around the generated part of docs/data-model.md; the rest of the page is hand-written. */
export const GENERATED_BEGIN = '<!-- BEGIN GENERATED: warehouse model (npm run gen) -->';
export const GENERATED_END = '<!-- END GENERATED: warehouse model -->';

/**
 * The generated part of docs/data-model.md: the ER diagram, then every table and view with its
 * columns, as the model defines them.
 */
export function dataModelReference(
  tables: readonly TableModel[] = TABLES,
  views: readonly ViewModel[] = VIEWS,
): string {
  const out = [
    GENERATED_BEGIN,
    '',
    '### Diagram',
    '',
    '```mermaid',
    mermaidErDiagram(tables),
    '```',
    '',
    '### Tables',
    '',
  ];
  for (const table of tables) {
    out.push(`#### \`${table.name}\``, '', escape(table.description), '');
    const facts = [
      `kind: ${table.kind}`,
      `key: ${table.key.join(' + ')}`,
      table.partitioning
        ? `partitioned by ${table.partitioning.granularity} of \`${table.partitioning.column}\``
        : 'not partitioned',
      table.clustering.length > 0 ? `clustered by ${table.clustering.map((c) => `\`${c}\``).join(', ')}` : '',
    ].filter(Boolean);
    out.push(facts.join(' · '), '', '| column | type | mode | description |', '|---|---|---|---|');
    for (const [path, column] of flatten(table.columns))
      out.push(`| \`${path}\` | ${column.type} | ${column.mode} | ${escape(column.description)} |`);
    out.push('');
  }
  out.push('### Views', '');
  for (const view of views) {
    out.push(`#### \`${view.name}\``, '', escape(view.description), '');
    out.push(
      `reads: ${tablesReadBy(view, views)
        .map((t) => `\`${t}\``)
        .join(', ')}`,
      '',
    );
    out.push('| column | description |', '|---|---|');
    for (const column of view.columns) out.push(`| \`${column.name}\` | ${escape(column.description)} |`);
    out.push('');
  }
  out.push(GENERATED_END);
  return out.join('\n');
}

function flatten(columns: readonly Column[], prefix = ''): [string, Column][] {
  return columns.flatMap((c): [string, Column][] => {
    const path = `${prefix}${c.name}`;
    const inner = c.fields ? flatten(c.fields, `${path}${c.mode === 'REPEATED' ? '[]' : ''}.`) : [];
    return [[path, c], ...inner];
  });
}

function escape(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** Replaces the generated part of the page's text (between the markers) with the current model. */
export function withDataModelReference(page: string): string {
  const begin = page.indexOf(GENERATED_BEGIN);
  const end = page.indexOf(GENERATED_END);
  if (begin < 0 || end < begin)
    throw new Error(`docs/data-model.md: the markers ${GENERATED_BEGIN} … ${GENERATED_END} are missing`);
  return page.slice(0, begin) + dataModelReference() + page.slice(end + GENERATED_END.length);
}
