/**
 * `npm run bench`: runs every benchmark of the project one after another (never two at once: the
 * machine has two cores), gathers the `BENCH {…}` lines they print, and writes docs/benchmarks.md.
 * `npm run bench -- generator validation` runs only the named ones; BENCH_RUNS sets repetitions.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/util/project-root.js';
import type { BenchResult } from './bench-result.js';

const root = projectRoot();
const only = process.argv.slice(2);
const scripts = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const results: { script: string; result: BenchResult }[] = [];
const failures: string[] = [];
for (const script of scripts) {
  process.stderr.write(`\n== ${script}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join('bench', script)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stderr.write(run.stdout);
  if (run.status !== 0) failures.push(`${script} exited ${run.status ?? run.signal}`);
  for (const line of run.stdout.split('\n')) {
    const result = parseResultLine(line);
    if (result) results.push({ script, result });
  }
}

/** A `BENCH {…}` line, or a bare JSON line with name, value and unit (filled up to a BenchResult). */
function parseResultLine(line: string): BenchResult | undefined {
  const text = line.startsWith('BENCH ') ? line.slice(6) : line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const r = JSON.parse(text) as Partial<BenchResult> & Record<string, unknown>;
    if (typeof r.name !== 'string' || typeof r.value !== 'number' || typeof r.unit !== 'string')
      return undefined;
    return { description: r.name, runs: [r.value], ...r } as BenchResult;
  } catch {
    return undefined;
  }
}

const fmt = (n: number): string =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
const lines = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Each figure is the median of repeated runs`,
  '(`BENCH_RUNS`, default 3), beside a baseline measured in the same run where one applies.',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB memory, Linux ${release()}, Node.js ${process.version}.`,
  '',
  '| benchmark | median | target | baseline (same run) | ratio | runs | command |',
  '|---|---|---|---|---|---|---|',
  ...results.map(({ script, result: r }) => {
    const baseline = r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)} ${r.baseline.unit}` : '';
    const ratio = r.baseline ? `${((100 * r.value) / r.baseline.value).toFixed(0)} %` : '';
    return `| ${r.name}: ${r.description} | **${fmt(r.value)} ${r.unit}** | ${r.target ?? ''} | ${baseline} | ${ratio} | ${r.runs.map(fmt).join(', ')} | \`npx tsx bench/${script}\` |`;
  }),
  '',
  ...results
    .filter(({ result }) => result.extra)
    .flatMap(({ result }) => [
      `- ${result.name}: ${Object.entries(result.extra!)
        .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`)
        .join(', ')}`,
    ]),
  ...(failures.length ? ['', '## Failed', '', ...failures.map((f) => `- ${f}`)] : []),
  '',
];
writeFileSync(join(root, 'docs/benchmarks.md'), lines.join('\n'));
process.stderr.write(
  `\nwrote docs/benchmarks.md (${results.length} figures${failures.length ? `, ${failures.length} failed` : ''})\n`,
);
if (failures.length) process.exitCode = 1;
