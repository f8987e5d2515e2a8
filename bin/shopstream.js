#!/usr/bin/env node
// How `shopstream` (npx, npm start) starts: from the compiled dist/ when it was built from exactly the
// sources here (`npm install` builds it; see scripts/build-dist.mjs), else from src/ through tsx, which
// compiles as it loads and starts slower, with a one-line notice. SHOPSTREAM_FROM_SOURCE=1 picks src/
// without the notice (while editing the code).
import { existsSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';
import { distIsCurrent } from '../scripts/dist-stamp.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const fromSource = process.env.SHOPSTREAM_FROM_SOURCE === '1';
const hasSources = existsSync(`${root}src/cli/main.ts`);

let cli;
if (!fromSource && (!hasSources || distIsCurrent(root))) {
  cli = await import('../dist/src/cli/main.js');
} else {
  if (!fromSource)
    process.stderr.write(
      'shopstream: dist/ is missing or older than src/, so this runs src/ through tsx (slower to start); `npm run build` compiles it\n',
    );
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
await cli.main(process.argv);
