#!/usr/bin/env node
/**
 * The compiled tree, dist/, and whether it may run.
 *
 * `npm run build` (and `prepare`, so that `npm install` and `npm ci` end with a current dist/) runs
 * this file: it empties dist/, compiles src/ with tsc (tsconfig.build.json), and writes
 * dist/build-stamp.json, the fingerprint of the sources it compiled. bin/shopstream.js runs dist/
 * only while {@link distIsCurrent} says the sources still match that fingerprint, and src/ through
 * tsx otherwise: a stale dist/ never runs.
 *
 * The check costs a directory walk and one stat per source file (about 2 ms for 160 files); only
 * when a size or mtime differs (a checkout touched files, an editor saved one) are the sources read
 * and hashed, so a checkout that leaves the content as it was still runs dist/.
 *
 * Plain JavaScript, because bin/ needs it before anything is compiled. Without src/ (the Docker
 * stages that install dependencies before copying the sources) or without TypeScript (an
 * `npm install --omit=dev`), there is nothing to build and the script says so and exits 0.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { URL, fileURLToPath } from 'node:url';

const STAMP_VERSION = 1;
/** Besides the sources, what changes the compiled output. */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/** Where the stamp lives inside dist/. */
export const STAMP_FILE = 'build-stamp.json';

/**
 * The files tsc compiles into dist/ (src/**\/*.ts without tests), plus the tsconfig files, as paths
 * relative to `root` with `/` separators, sorted.
 * @param {string} root
 * @returns {string[]}
 */
export function buildInputs(root) {
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
  return [...CONFIG_FILES, ...sources.sort()];
}

/**
 * The fingerprint of the build inputs: each file's size and mtime (the quick check) and a hash of
 * their paths and contents (the exact one).
 * @param {string} root
 * @param {{ withHash?: boolean }} [options]
 */
export function fingerprint(root, { withHash = true } = {}) {
  const files = {};
  for (const path of buildInputs(root)) {
    const stat = statSync(join(root, path));
    files[path] = [stat.size, stat.mtimeMs];
  }
  return {
    version: STAMP_VERSION,
    files,
    ...(withHash ? { hash: contentHash(root, Object.keys(files)) } : {}),
  };
}

/**
 * @param {string} root
 * @param {string[]} paths
 */
function contentHash(root, paths) {
  const hash = createHash('sha256');
  for (const path of paths)
    hash
      .update(path)
      .update('\0')
      .update(readFileSync(join(root, path)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * Whether dist/ was compiled from exactly the sources and tsconfig files now in `root`: the same
 * files, and the same content (by size and mtime, or else by hash).
 * @param {string} root
 * @returns {boolean}
 */
export function distIsCurrent(root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', STAMP_FILE), 'utf8'));
  } catch {
    return false; // never built, or a build that did not finish
  }
  if (stamp?.version !== STAMP_VERSION || typeof stamp.files !== 'object' || stamp.files === null)
    return false;
  let now;
  try {
    now = fingerprint(root, { withHash: false });
  } catch {
    return false; // a source vanished while we looked
  }
  const paths = Object.keys(now.files);
  if (paths.length !== Object.keys(stamp.files).length || paths.some((p) => !(p in stamp.files)))
    return false;
  const touched = paths.some((p) => {
    const [size, mtimeMs] = stamp.files[p];
    return now.files[p][0] !== size || now.files[p][1] !== mtimeMs;
  });
  if (!touched) return true;
  // Same size but another mtime is what a checkout or `touch` leaves; the content decides.
  if (paths.some((p) => now.files[p][0] !== stamp.files[p][0])) return false;
  try {
    return contentHash(root, paths) === stamp.hash;
  } catch {
    return false;
  }
}

/**
 * Empties dist/ (so no module of a deleted source survives), compiles, and stamps. The fingerprint
 * is taken before tsc reads the sources, so a file saved during the build leaves dist/ stale, never
 * wrongly current. Returns tsc's exit status.
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

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
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

/** @param {string} root */
function hasTypeScript(root) {
  try {
    createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    return true;
  } catch {
    return false;
  }
}
