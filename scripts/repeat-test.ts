/**
 * Runs one test file (or several) again and again, each time in a fresh `vitest run`, and reports how
 * many runs passed: how a fault test earns the word "fixed".
 *
 *   npx tsx scripts/repeat-test.ts test/faults/pubsub-connection-resets.test.ts --times 10
 *
 * Each failing run's output is kept in test-artifacts/repeat/<file>-run<N>.log. Exits 1 when any run failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const args = process.argv.slice(2);
const timesAt = args.indexOf('--times');
const times = timesAt >= 0 ? Number(args[timesAt + 1]) : 10;
const files = args.filter((arg, i) => arg !== '--times' && i !== timesAt + 1);
if (files.length === 0 || !Number.isSafeInteger(times) || times < 1) {
  process.stderr.write('usage: npx tsx scripts/repeat-test.ts <test file>… [--times N]\n');
  process.exit(2);
}
const logs = join('test-artifacts', 'repeat');
mkdirSync(logs, { recursive: true });
let passed = 0;
for (let run = 1; run <= times; run++) {
  const started = Date.now();
  const result = spawnSync('npx', ['vitest', 'run', ...files], { encoding: 'utf8', env: process.env });
  const seconds = Math.round((Date.now() - started) / 1000);
  const ok = result.status === 0;
  if (ok) passed++;
  else writeFileSync(join(logs, `${basename(files[0]!)}-run${run}.log`), result.stdout + result.stderr);
  process.stdout.write(`run ${run}/${times}: ${ok ? 'passed' : 'FAILED'} in ${seconds} s\n`);
}
process.stdout.write(`${passed} passed, ${times - passed} failed\n`);
process.exitCode = passed === times ? 0 : 1;
