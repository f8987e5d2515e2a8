import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { generatedFiles, type GeneratedFile } from '../scripts/generated-files.js';
import { projectRoot } from '../src/util/project-root.js';

// Every committed file generated from a single source of truth (schemas/, the settings table, the
// warehouse model) must be exactly what `npm run gen` writes now.

const root = projectRoot();
const files = await generatedFiles();

/** What `npm run gen` writes: TypeScript outputs are formatted by prettier (scripts/generate.ts). */
async function written(file: GeneratedFile): Promise<string> {
  if (!file.path.endsWith('.ts')) return file.content;
  const target = join(root, file.path);
  return prettier.format(file.content, { ...(await prettier.resolveConfig(target)), filepath: target });
}

/** Folders that hold generated files only: a file there that no generator writes is stale. */
const GENERATED_ONLY = ['sql/bigquery/views', 'sql/bigquery', 'sql/duckdb', 'infra/terraform/schemas'];

describe('generated files', () => {
  it('generates each path once', () => {
    const paths = files.map((f) => f.path);
    expect(paths.filter((p, i) => paths.indexOf(p) !== i)).toEqual([]);
  });

  it.each(files.map((f) => [f.path, f] as const))(
    '%s is committed as generated (run `npm run gen`)',
    async (path, file) => {
      const target = join(root, path);
      expect(existsSync(target), `${path} is missing`).toBe(true);
      expect(readFileSync(target, 'utf8')).toBe(await written(file));
    },
  );

  it.each(GENERATED_ONLY)('%s holds no file that is no longer generated', (dir) => {
    const generated = new Set(files.map((f) => f.path));
    const present = readdirSync(join(root, dir), { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `${dir}/${entry.name}`);
    expect(present.filter((p) => !generated.has(p))).toEqual([]);
  });
});
