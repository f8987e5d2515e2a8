import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../util/project-root.js';
import { ERROR_CODES } from './error-codes.js';

describe('error codes', () => {
  const doc = readFileSync(join(projectRoot(), 'docs/errors.md'), 'utf8');

  it.each(Object.keys(ERROR_CODES))('%s is documented in docs/errors.md', (code) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `(SHOP_E_\w+)` \|/gm)].map((m) => m[1]);
    expect(documented.filter((code) => !(code! in ERROR_CODES))).toEqual([]);
  });
});
