#!/usr/bin/env node
/**
 * `npm run build`, and `prepare`, so that `npm install` and `npm ci` end with a current dist/: empties
 * dist/ (no module of a deleted source survives), compiles src/ with tsc (tsconfig.build.json), and
 * writes dist/build-stamp.json, the fingerprint of the sources it compiled (scripts/dist-stamp.mjs).
 * bin/shopstream.js runs dist/ only while the sources still match it, and src/ through tsx otherwise.
 *
 * Without src/ (the Docker stages that install dependencies before copying the sources) or without
 * TypeScript (`npm install --omit=dev`), there is nothing to build: it says so and exits 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import { STAMP_FILE, fingerprint } from './dist-stamp.mjs';

/**
 * Empties dist/, compiles, and stamps. The fingerprint is taken before tsc reads the sources, so a
 * file saved during the build leaves dist/ stale, never wrongly current. Returns tsc's exit status.
 * @param {string} root
 * @returns {number}
 */
export function buildDist(root) {
  const dist = join(root, 'dist');
  const stamp = fingerprint(root);
  rmSync(dist, { recursive: true, force: true });
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) return run.status ?? 1;
  const temporary = join(dist, `${STAMP_FILE}.tmp`);
  writeFileSync(temporary, JSON.stringify(stamp) + '\n');
  renameSync(temporary, join(dist, STAMP_FILE));
  return 0;
}

/** @param {string} root */
function hasTypeScript(root) {
  try {
    createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!existsSync(join(root, 'src'))) {
    process.stderr.write(
      'build-dist: no src/ here (dependencies installed before the sources); nothing to build\n',
    );
  } else if (!hasTypeScript(root)) {
    process.stderr.write(
      'build-dist: TypeScript is not installed (npm install --omit=dev?); bin/shopstream.js will run src/ through tsx\n',
    );
  } else process.exitCode = buildDist(root);
}
