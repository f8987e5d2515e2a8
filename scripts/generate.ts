import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { projectRoot } from '../src/util/project-root.js';
import { generatedFiles } from './generated-files.js';

const root = projectRoot();
const files = await generatedFiles();
for (const file of files) {
  const target = join(root, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
}
// Format TypeScript outputs the same way `npm run lint` checks them.
const ts = files.filter((f) => f.path.endsWith('.ts')).map((f) => join(root, f.path));
if (ts.length > 0)
  execFileSync(join(root, 'node_modules/.bin/prettier'), ['--write', ...ts], { stdio: 'ignore' });
console.log(`generated ${files.length} files:\n${files.map((f) => `  ${f.path}`).join('\n')}`);
