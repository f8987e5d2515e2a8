import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding shopstream's package.json, found by walking up from this file, so that schemas/
 * and other shipped files resolve the same from src/ (tsx) and from dist/src/ (compiled).
 */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('shopstream: cannot find the project root (package.json + schemas/)');
    dir = parent;
  }
  cached = dir;
  return dir;
}
