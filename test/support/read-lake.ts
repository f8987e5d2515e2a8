import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { isLakeTempFile } from '../../src/lake/file/file-lake.js';

/**
 * Every file under a folder, as paths relative to it, sorted. A file that goes away while the folder
 * is read (a writer's temp file, renamed into place meanwhile) is left out, as if listed a moment
 * later.
 */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path);
      else if (stat) out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

/**
 * The NDJSON lines of every lake file under `prefix` (e.g. `output/order`), as the lake lists them:
 * a temp file a SIGKILLed writer left behind is not part of the lake (its last line may be torn,
 * and a torn line hashes to an event id nobody published).
 */
export function lakeLines(lakeDir: string, prefix: string): string[] {
  return listFiles(lakeDir)
    .filter((f) => f.startsWith(prefix + '/') && !isLakeTempFile(basename(f)))
    .flatMap((f) => readFileSync(join(lakeDir, f), 'utf8').split('\n').filter(Boolean));
}
