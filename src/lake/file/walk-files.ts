import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A regular file found by {@link walkFiles}. */
export interface WalkedFile {
  /** Path relative to the walked folder, `/`-separated. */
  readonly key: string;
  /** Absolute (or walked-folder-relative) path on disk. */
  readonly path: string;
  readonly size: number;
}

/**
 * Walks a folder recursively and yields its regular files sorted by key in byte order, the order
 * Cloud Storage and S3 list in, one folder in memory at a time.
 *
 * Sorting each folder's entries by name, with a `/` appended to sub-folder names, yields the keys in
 * global order: every key under folder `a` starts with `a/`, so `a-c` (`-` < `/`) comes before
 * `a/b`, and `a0` after it. Symbolic links and other special files are skipped. A missing folder
 * yields nothing; other errors propagate (errno intact) for the caller to map.
 *
 * @param skip entries (files or folders, by name and key) to leave out, e.g. temp files.
 */
export async function* walkFiles(
  directory: string,
  keyPrefix = '',
  skip: (name: string, key: string) => boolean = () => false,
): AsyncGenerator<WalkedFile> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    // Missing, or a file where a folder was expected: no keys start with this folder's prefix.
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return;
    throw error;
  }
  const sorted = entries
    .filter((entry) => (entry.isFile() || entry.isDirectory()) && !skip(entry.name, keyPrefix + entry.name))
    .map((entry) => ({ entry, order: Buffer.from(entry.isDirectory() ? `${entry.name}/` : entry.name) }))
    .sort((a, b) => Buffer.compare(a.order, b.order));
  for (const { entry } of sorted) {
    const path = join(directory, entry.name);
    const key = keyPrefix + entry.name;
    if (entry.isDirectory()) {
      yield* walkFiles(path, `${key}/`, skip);
      continue;
    }
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      // Deleted between readdir and stat: it is simply not there any more.
      if (errnoOf(error) === 'ENOENT') continue;
      throw error;
    }
    yield { key, path, size };
  }
}

/** The errno code (`ENOENT`, `EACCES`, …) of a Node system error, if it is one. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
