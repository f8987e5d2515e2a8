import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableResourceOf, viewQueryOf } from '../../src/warehouse/bigquery/model-resources.js';
import { TABLES } from '../../src/warehouse/model/tables.js';
import { VIEWS } from '../../src/warehouse/model/views.js';
import {
  blockOf,
  loadTerraformConfig,
  resourceOf,
  type Block,
  type TerraformConfig,
} from './terraform-config.js';
import { evaluate, terraformInstalled } from './terraform-eval.js';

// The BigQuery part of infra/terraform is driven by files the warehouse model generates
// (`npm run gen` → infra/terraform/schemas/): this checks that Terraform reads them the way it should
// and that what it would create matches the model in src/warehouse/model/.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TF_DIR = join(ROOT, 'infra', 'terraform');
const SCHEMA_DIR = join(TF_DIR, 'schemas');
const HAS_TERRAFORM = terraformInstalled();

interface TableEntry {
  readonly description: string;
  readonly partition_field: string | null;
  readonly partition_type: string;
  readonly clustering: readonly string[];
}
interface ViewEntry {
  readonly description: string;
  readonly sql_file: string;
}
interface SchemaField {
  readonly name: string;
  readonly type: string;
  readonly mode: string;
  readonly fields?: readonly SchemaField[];
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

let tf: TerraformConfig;
beforeAll(async () => {
  tf = await loadTerraformConfig(TF_DIR);
});

function needsTerraform(ctx: { skip: () => void }): void {
  if (HAS_TERRAFORM) return;
  if (process.env.CI === 'true') throw new Error('terraform is not installed, but CI=true requires it');
  console.warn('NOTICE: terraform is not installed: skipping the checks that run it');
  ctx.skip();
}

/** An HCL expression as hcl2json renders it (`${…}`), without the interpolation wrapper. */
function expressionOf(value: unknown): string {
  const text = String(value);
  if (!text.startsWith('${') || !text.endsWith('}')) throw new Error(`not a single expression: ${text}`);
  return text.slice(2, -1);
}

describe('generated inputs', () => {
  it('infra/terraform/schemas/ holds tables.json, views.json and one schema per table (run `npm run gen`)', () => {
    expect(existsSync(join(SCHEMA_DIR, 'tables.json')), 'tables.json').toBe(true);
    expect(existsSync(join(SCHEMA_DIR, 'views.json')), 'views.json').toBe(true);
    for (const table of Object.keys(readJson<Record<string, TableEntry>>(join(SCHEMA_DIR, 'tables.json'))))
      expect(existsSync(join(SCHEMA_DIR, `${table}.json`)), `${table}.json`).toBe(true);
  });
});

describe('BigQuery tables', () => {
  it('are created for every entry of tables.json, with the schema, partitioning and clustering it names', () => {
    expect(tf.locals.schema_dir).toBe('${path.module}/schemas');
    expect(tf.locals.tables).toBe('${jsondecode(file("${local.schema_dir}/tables.json"))}');
    const table = resourceOf(tf, 'google_bigquery_table', 'tables');
    expect(table.for_each).toBe('${local.tables}');
    expect(table.table_id).toBe('${each.key}');
    expect(table.schema).toBe('${file("${local.schema_dir}/${each.key}.json")}');
    expect(table.dataset_id).toBe('${google_bigquery_dataset.warehouse.dataset_id}');
    expect(table.deletion_protection).toBe('${var.deletion_protection}');
    expect(tf.variables.deletion_protection?.default).toBe(true);
  });

  it('tables.json describes exactly the tables of the warehouse model, partitioned and clustered as the model says', () => {
    const entries = readJson<Record<string, TableEntry>>(join(SCHEMA_DIR, 'tables.json'));
    expect(Object.keys(entries).sort()).toEqual(TABLES.map((t) => t.name).sort());
    for (const model of TABLES) {
      const entry = entries[model.name]!;
      expect(entry.partition_field, model.name).toBe(model.partitioning?.column ?? null);
      if (model.partitioning) expect(entry.partition_type, model.name).toBe(model.partitioning.granularity);
      expect(entry.clustering, model.name).toEqual(model.clustering);
    }
  });

  it('each table gets the schema the BigQuery adapter expects, so setup accepts the tables Terraform made', () => {
    for (const model of TABLES) {
      const schema = readJson<SchemaField[]>(join(SCHEMA_DIR, `${model.name}.json`));
      expect(schema, model.name).toEqual(JSON.parse(JSON.stringify(tableResourceOf(model).schema!.fields)));
    }
  });

  it('every partition and clustering column exists in its table schema with a type BigQuery accepts there', () => {
    const entries = readJson<Record<string, TableEntry>>(join(SCHEMA_DIR, 'tables.json'));
    for (const [name, entry] of Object.entries(entries)) {
      const fields = readJson<SchemaField[]>(join(SCHEMA_DIR, `${name}.json`));
      const byName = new Map(fields.map((f) => [f.name, f]));
      if (entry.partition_field !== null) {
        const field = byName.get(entry.partition_field);
        expect(field, `${name}.${entry.partition_field}`).toBeDefined();
        expect(['TIMESTAMP', 'DATE', 'DATETIME']).toContain(field!.type);
        expect(field!.mode).not.toBe('REPEATED');
      }
      expect(entry.clustering.length, name).toBeLessThanOrEqual(4);
      for (const column of entry.clustering) {
        const field = byName.get(column);
        expect(field, `${name}.${column}`).toBeDefined();
        expect(['RECORD', 'STRUCT', 'FLOAT', 'FLOAT64', 'JSON']).not.toContain(field!.type);
        expect(field!.mode, `${name}.${column}`).not.toBe('REPEATED');
      }
    }
  });

  it('Terraform turns each entry into exactly the partitioning and clustering of the model', (ctx) => {
    needsTerraform(ctx);
    // The resource's own expressions, evaluated by terraform for every entry of tables.json.
    const table = resourceOf(tf, 'google_bigquery_table', 'tables');
    const dynamic = (table.dynamic as Record<string, Block[]>).time_partitioning![0]!;
    const content = blockOf(dynamic, 'content');
    const perEntry = (expression: string): string =>
      expression
        .replaceAll('each.value', 'v')
        .replaceAll('each.key', 'k')
        .replaceAll('time_partitioning.value', 'p');
    // One line for the console: object attributes separated by commas.
    const expression =
      `{ for k, v in local.tables : k => {` +
      ` partitions = [for p in (${perEntry(expressionOf(dynamic.for_each))}) :` +
      ` { field = ${perEntry(expressionOf(content.field))}, type = ${perEntry(expressionOf(content.type))} }],` +
      ` clustering = ${perEntry(expressionOf(table.clustering))} } }`;
    const planned = evaluate(tf, ROOT, expression, { project_id: 'demo-1' }) as Record<
      string,
      { partitions: { field: string; type: string }[]; clustering: string[] | null }
    >;
    for (const model of TABLES) {
      const got = planned[model.name];
      expect(got, model.name).toBeDefined();
      expect(got!.partitions, model.name).toEqual(
        model.partitioning
          ? [{ field: model.partitioning.column, type: model.partitioning.granularity }]
          : [],
      );
      expect(got!.clustering ?? [], model.name).toEqual(model.clustering);
    }
  });
});

describe('BigQuery views', () => {
  it('are created for every entry of views.json from its SQL through templatefile', () => {
    expect(tf.locals.views).toBe('${jsondecode(file("${local.schema_dir}/views.json"))}');
    const view = resourceOf(tf, 'google_bigquery_table', 'views');
    expect(view.for_each).toBe('${local.views}');
    expect(view.table_id).toBe('${each.key}');
    const query = String(blockOf(view, 'view').query);
    expect(query).toContain('templatefile("${path.module}/${each.value.sql_file}"');
    expect(query).toMatch(/project\s*=\s*var\.project_id/);
    expect(query).toMatch(/dataset\s*=\s*google_bigquery_dataset\.warehouse\.dataset_id/);
    expect(blockOf(view, 'view').use_legacy_sql).toBe(false);
  });

  it('views.json lists every view of the model, each with an SQL file where Terraform looks for it', () => {
    const entries = readJson<Record<string, ViewEntry>>(join(SCHEMA_DIR, 'views.json'));
    expect(Object.keys(entries).sort()).toEqual(VIEWS.map((v) => v.name).sort());
    for (const [name, entry] of Object.entries(entries)) {
      // Same resolution as templatefile("${path.module}/${sql_file}").
      const sql = resolve(TF_DIR, entry.sql_file);
      expect(existsSync(sql), `${name}: ${sql}`).toBe(true);
      // templatefile fails on any other ${…} or %{…} than the variables it is given.
      const placeholders = [...readFileSync(sql, 'utf8').matchAll(/[$%]\{\s*([^}]*?)\s*\}/g)].map(
        (m) => m[0],
      );
      expect(
        placeholders.filter((p) => !/^\$\{(project|dataset)\}$/.test(p)),
        name,
      ).toEqual([]);
    }
  });

  it('every view renders to exactly the query the BigQuery adapter creates, so setup and terraform plan agree', (ctx) => {
    needsTerraform(ctx);
    const view = resourceOf(tf, 'google_bigquery_table', 'views');
    const query = expressionOf(blockOf(view, 'view').query)
      .replaceAll('each.value', 'v')
      .replaceAll('google_bigquery_dataset.warehouse.dataset_id', 'var.dataset_id');
    const rendered = evaluate(tf, ROOT, `{ for k, v in local.views : k => ${query} }`, {
      project_id: 'demo-1',
    }) as Record<string, string>;
    expect(Object.keys(rendered).sort()).toEqual(VIEWS.map((v) => v.name).sort());
    for (const view of VIEWS) {
      const sql = rendered[view.name]!;
      expect(sql, view.name).toContain('demo-1.ecommerce');
      expect(sql, view.name).not.toMatch(/\$\{/);
      expect(sql, view.name).toBe(viewQueryOf(view, 'demo-1', 'ecommerce'));
    }
  });
});
