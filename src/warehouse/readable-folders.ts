import { resolve } from 'node:path';
import type { Config } from '../config/settings.js';

/**
 * The local folders a query may read files from: the lake and the archive when they are `file:`
 * folders (`SELECT * FROM read_json('data/lake/output/errors/**\/*.json')`). Not the whole data
 * folder: the bus's database and the running `up`'s token file live there too.
 */
export function readableFoldersOf(config: Pick<Config, 'lake' | 'archive'>): string[] {
  return [config.lake, config.archive]
    .filter((uri) => uri.startsWith('file:'))
    .map((uri) => resolve(uri.slice('file:'.length)));
}
