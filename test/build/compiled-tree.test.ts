import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distIsCurrent, fingerprint, STAMP_FILE } from '../../scripts/dist-stamp.mjs';
import { projectRoot } from '../../src/util/project-root.js';

// `npm install` / `npm ci` run `prepare` = scripts/build-dist.mjs, and bin/shopstream.js runs dist/
// only while it was compiled from the sources in place. Here a copy of the project is built with the
// real tsc and run through the real bin/, then its sources are changed under it.

const ROOT = projectRoot();
const NOTICE = /dist\/ is missing or older than src\//;

let copy: string;
beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'shopstream-build-'));
  for (const path of [
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'bin',
    'scripts',
    'schemas',
    'src',
  ])
    cpSync(join(ROOT, path), join(copy, path), { recursive: true, filter: (p) => !p.endsWith('.test.ts') });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const build = spawnSync(process.execPath, ['scripts/build-dist.mjs'], { cwd: copy, encoding: 'utf8' });
  expect(build.status, build.stdout + build.stderr).toBe(0);
}, 180_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function shopstream(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, SHOPSTREAM_FROM_SOURCE: undefined };
  return spawnSync(process.execPath, [join(copy, 'bin/shopstream.js'), ...args], {
    cwd: copy,
    encoding: 'utf8',
    env,
  });
}

describe('the compiled tree', () => {
  it('the build leaves a stamped dist/ that bin/ runs, without a notice', () => {
    expect(existsSync(join(copy, 'dist', STAMP_FILE))).toBe(true);
    expect(existsSync(join(copy, 'dist/src/cli/main.js'))).toBe(true);
    expect(distIsCurrent(copy)).toBe(true);
    const run = shopstream('--version');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('a checkout that rewrites a source with the same content keeps dist/ current', () => {
    const file = join(copy, 'src/cli/commands/views.ts');
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    expect(distIsCurrent(copy)).toBe(true);
  });

  it('an edited source is never run from the stale dist/: bin/ runs src/ through tsx and says so', () => {
    const file = join(copy, 'src/cli/commands/views.ts');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/\.description\('([^']*)'\)/, ".description('EDITED $1')"));
    try {
      expect(distIsCurrent(copy)).toBe(false);
      const run = shopstream('--help');
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(NOTICE);
      expect(run.stdout).toContain('EDITED');
    } finally {
      writeFileSync(file, original);
    }
    expect(distIsCurrent(copy)).toBe(true);
  });

  it('a source added or removed, or a tsconfig changed, makes dist/ stale', () => {
    const added = join(copy, 'src/cli/extra.ts');
    writeFileSync(added, 'export const extra = 1;\n');
    expect(distIsCurrent(copy)).toBe(false);
    rmSync(added);
    expect(distIsCurrent(copy)).toBe(true);
    // A test file is not compiled into dist/: it changes nothing.
    writeFileSync(join(copy, 'src/cli/extra.test.ts'), '');
    expect(distIsCurrent(copy)).toBe(true);
    const tsconfig = join(copy, 'tsconfig.build.json');
    const before = readFileSync(tsconfig, 'utf8');
    appendFileSync(tsconfig, '\n');
    expect(distIsCurrent(copy)).toBe(false);
    writeFileSync(tsconfig, before);
    expect(distIsCurrent(copy)).toBe(true);
  });

  it('no stamp (never built, or a build that failed) is not current', () => {
    const stamp = join(copy, 'dist', STAMP_FILE);
    const saved = readFileSync(stamp);
    rmSync(stamp);
    try {
      expect(distIsCurrent(copy)).toBe(false);
      expect(shopstream('--version').stderr).toMatch(NOTICE);
    } finally {
      writeFileSync(stamp, saved);
    }
  });

  it('the stamp records every compiled source and no test', () => {
    const { files } = fingerprint(copy);
    expect(Object.keys(files)).toContain('src/cli/main.ts');
    expect(Object.keys(files).filter((f) => f.endsWith('.test.ts'))).toEqual([]);
    for (const source of Object.keys(files).filter((f) => f.startsWith('src/')))
      expect(existsSync(join(copy, 'dist', source.replace(/\.ts$/, '.js'))), source).toBe(true);
  });
});
