import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pkg from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { fillBigQueryPlaceholders } from '../../src/warehouse/dialects/bigquery-dialect.js';
import { BIGQUERY_VIEW_DIR, TERRAFORM_SCHEMA_DIR } from '../../src/warehouse/dialects/warehouse-files.js';
import { TABLES } from '../../src/warehouse/model/tables.js';
import { VIEWS } from '../../src/warehouse/model/views.js';
import { projectRoot } from '../../src/util/project-root.js';

// The committed BigQuery SQL, as Terraform and the adapter will send it: placeholders filled, then
// parsed with node-sql-parser's BigQuery grammar. (The files are drift-checked against the model in
// test/generated-files.test.ts; this checks they are BigQuery at all.)

const root = projectRoot();
const parser = new pkg.Parser();
const read = (path: string): string =>
  fillBigQueryPlaceholders(readFileSync(join(root, path), 'utf8'), 'demo-project-1', 'ecommerce');
type Statement = { type: string; keyword?: string; table?: { table: string }[] | null };
const parse = (sql: string): Statement[] => {
  const ast = parser.astify(sql, { database: 'BigQuery' }) as Statement | Statement[];
  return Array.isArray(ast) ? ast : [ast];
};

describe('BigQuery SQL', () => {
  it('sql/bigquery/ddl_ecommerce.sql parses: a table per model table, enumeration rows, a view per model view', () => {
    const statements = parse(read('sql/bigquery/ddl_ecommerce.sql'));
    const kinds = statements.map((s) => `${s.type} ${s.keyword ?? ''}`.trim());
    expect(kinds.filter((k) => k === 'create table')).toHaveLength(TABLES.length);
    expect(kinds.filter((k) => k === 'create view')).toHaveLength(VIEWS.length);
    const enumerations = TABLES.filter((t) => t.kind === 'enumeration').length;
    expect(kinds.filter((k) => k === 'delete')).toHaveLength(enumerations);
    expect(kinds.filter((k) => k === 'insert')).toHaveLength(enumerations);
    expect(statements).toHaveLength(TABLES.length + VIEWS.length + 2 * enumerations);
  });

  it('reads tables as `${project}.${dataset}.<table>`, and has no other ${…}', () => {
    const files = [
      'sql/bigquery/ddl_ecommerce.sql',
      ...VIEWS.map((v) => `${BIGQUERY_VIEW_DIR}/${v.name}.sql`),
    ];
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      // templatefile() would try to evaluate any other ${…} or %{…}.
      expect(
        [...text.matchAll(/[$%]\{([^}]*)\}/g)]
          .map((m) => m[1])
          .filter((n) => n !== 'project' && n !== 'dataset'),
        file,
      ).toEqual([]);
      // Tables are read fully qualified (a bare name would resolve against the job's default dataset)…
      const bare = new RegExp(`\\b(?:FROM|JOIN)\\s+(${TABLES.map((t) => t.name).join('|')})\\b`);
      expect(text, file).not.toMatch(bare);
      // …and every qualified name is a table of the model.
      const qualified = [...text.matchAll(/`\$\{project\}\.\$\{dataset\}\.(\w+)`/g)].map((m) => m[1]);
      expect(
        qualified.filter((t) => !TABLES.some((m) => m.name === t) && !VIEWS.some((v) => v.name === t)),
        file,
      ).toEqual([]);
    }
  });

  it.each(VIEWS.map((v) => v.name))('sql/bigquery/views/%s.sql parses as one SELECT', (name) => {
    const statements = parse(read(`${BIGQUERY_VIEW_DIR}/${name}.sql`));
    expect(statements.map((s) => s.type)).toEqual(['select']);
  });

  it('views.json lists every view with a sql_file that exists, relative to the Terraform module', () => {
    const views = JSON.parse(readFileSync(join(root, TERRAFORM_SCHEMA_DIR, 'views.json'), 'utf8')) as Record<
      string,
      { description: string; sql_file: string }
    >;
    expect(Object.keys(views)).toEqual(VIEWS.map((v) => v.name));
    for (const [name, view] of Object.entries(views)) {
      expect(view.description.length, name).toBeGreaterThan(0);
      expect(existsSync(resolve(root, 'infra/terraform', view.sql_file)), view.sql_file).toBe(true);
    }
  });

  it('tables.json partitions and clusters each table on columns its JSON schema has', () => {
    const tables = JSON.parse(
      readFileSync(join(root, TERRAFORM_SCHEMA_DIR, 'tables.json'), 'utf8'),
    ) as Record<
      string,
      { description: string; partition_field: string | null; partition_type: string; clustering: string[] }
    >;
    expect(Object.keys(tables)).toEqual(TABLES.map((t) => t.name));
    for (const [name, table] of Object.entries(tables)) {
      const fields = JSON.parse(readFileSync(join(root, TERRAFORM_SCHEMA_DIR, `${name}.json`), 'utf8')) as {
        name: string;
        type: string;
        mode: string;
      }[];
      const byName = new Map(fields.map((f) => [f.name, f]));
      if (table.partition_field !== null) {
        expect(['TIMESTAMP', 'DATE'], name).toContain(byName.get(table.partition_field)?.type);
        expect(byName.get(table.partition_field)?.mode, name).toBe('REQUIRED');
      }
      expect(table.partition_type).toBe('DAY');
      expect(table.clustering.length, name).toBeLessThanOrEqual(4);
      for (const column of table.clustering)
        expect(byName.get(column)?.type, `${name}.${column}`).toMatch(
          /^(STRING|INTEGER|TIMESTAMP|DATE|BOOLEAN|NUMERIC)$/,
        );
    }
  });
});
