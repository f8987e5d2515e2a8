import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under a folder, as paths relative to it, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

/** The NDJSON lines of every lake file under `prefix` (e.g. `output/order`). */
export function lakeLines(lakeDir: string, prefix: string): string[] {
  return listFiles(lakeDir)
    .filter((f) => f.startsWith(prefix + '/'))
    .flatMap((f) => readFileSync(join(lakeDir, f), 'utf8').split('\n').filter(Boolean));
}
