/**
 * Whether the compiled dist/ may run: dist/build-stamp.json, written by scripts/build-dist.mjs, holds
 * the fingerprint of the sources it compiled, and {@link distIsCurrent} compares it with the sources
 * now here. A stale dist/ never runs.
 *
 * bin/shopstream.js asks on every start, so the usual answer is cheap: one stat per source folder
 * (unchanged folders hold the same files: adding, removing or renaming a file changes its folder's
 * mtime) and one per source file (same size and mtime). Only when a file looks touched (a checkout,
 * `touch`, an editor's save) are the sources read and hashed: the same content still runs dist/.
 *
 * Plain JavaScript with only node:fs and node:path loaded up front, because it runs before anything
 * is compiled and before any other module of ours.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const STAMP_VERSION = 2;
/** Besides the sources, what changes the compiled output. */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/** The stamp's file name inside dist/. */
export const STAMP_FILE = 'build-stamp.json';

/**
 * The folders under src/ and the files tsc compiles into dist/ (src/**\/*.ts without tests) plus
 * the tsconfig files, as sorted paths relative to `root` with `/` separators.
 * @param {string} root
 * @returns {{ dirs: string[], files: string[] }}
 */
export function buildInputs(root) {
  const dirs = [];
  const files = [];
  const walk = (dir) => {
    dirs.push(dir);
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        files.push(path);
    }
  };
  walk('src');
  return { dirs: dirs.sort(), files: [...CONFIG_FILES, ...files.sort()] };
}

/**
 * The fingerprint of the build inputs: each folder's mtime and each file's size and mtime (the
 * quick check), and a hash of the files' paths and contents (the exact one).
 * @param {string} root
 */
export function fingerprint(root) {
  const { dirs, files } = buildInputs(root);
  const stamp = { version: STAMP_VERSION, dirs: {}, files: {}, hash: contentHash(root, files) };
  for (const dir of dirs) stamp.dirs[dir] = statSync(join(root, dir)).mtimeMs;
  for (const file of files) {
    const stat = statSync(join(root, file));
    stamp.files[file] = [stat.size, stat.mtimeMs];
  }
  return stamp;
}

/**
 * @param {string} root
 * @param {string[]} files
 */
function contentHash(root, files) {
  // Loaded here: the quick check does not need it, and node:crypto takes ~10 ms to load.
  const { createHash } = createRequire(import.meta.url)('node:crypto');
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(root, file)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * Whether dist/ was compiled from exactly the sources and tsconfig files now in `root`.
 * @param {string} root
 * @returns {boolean}
 */
export function distIsCurrent(root) {
  try {
    const stamp = JSON.parse(readFileSync(join(root, 'dist', STAMP_FILE), 'utf8'));
    if (stamp.version !== STAMP_VERSION) return false;
    const stamped = Object.keys(stamp.files);
    const foldersUntouched = Object.entries(stamp.dirs).every(
      ([dir, mtimeMs]) => statSync(join(root, dir), { throwIfNoEntry: false })?.mtimeMs === mtimeMs,
    );
    if (!foldersUntouched) {
      // Files may have come or gone: the same set, or stale.
      const { files } = buildInputs(root);
      if (files.length !== stamped.length || files.some((file, i) => file !== stamped[i])) return false;
    }
    let touched = false;
    for (const file of stamped) {
      const stat = statSync(join(root, file), { throwIfNoEntry: false });
      const [size, mtimeMs] = stamp.files[file];
      if (stat === undefined || stat.size !== size) return false;
      if (stat.mtimeMs !== mtimeMs) touched = true;
    }
    // The same sizes with other mtimes is what a checkout leaves: the content decides.
    return !touched || contentHash(root, stamped) === stamp.hash;
  } catch {
    return false; // never built, a build that did not finish, a source vanishing while we look
  }
}
