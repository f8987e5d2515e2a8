/**
 * Generator speed: messages generated and serialized per second on one core (target ≥ 100,000/s),
 * in process and end to end through `shopstream generate --count N --out /dev/null`.
 *
 *   npx tsx bench/generator.bench.ts
 *   BENCH_RUNS=5 BENCH_GENERATOR_EVENTS=1000000 BENCH_CLI_COUNT=1000000 npx tsx bench/generator.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { sharedUserAgentPool } from '../src/generator/user-agent-pool.js';
import { projectRoot } from '../src/util/project-root.js';
import { median, printResult, runsFromEnv } from './bench-result.js';

const runs = runsFromEnv(3);
const events = Number(process.env.BENCH_GENERATOR_EVENTS ?? 500_000);
const cliCount = Number(process.env.BENCH_CLI_COUNT ?? 1_000_000);

const universe = buildReferenceUniverse({ seed: 42 });
sharedUserAgentPool();

// Baseline: only serializing one fixed event (JSON.stringify + UTF-8 bytes), no simulation at all.
const fixed = JSON.parse(
  new TrafficGenerator({ profile: 'shop', seed: 1, universe }).next().data.toString(),
) as object;
function baselineRate(): number {
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < events; i++) bytes += Buffer.from(JSON.stringify(fixed)).length;
  if (bytes === 0) throw new Error('unreachable');
  return events / ((performance.now() - started) / 1000);
}

const rates: number[] = [];
const cpuRates: number[] = [];
const baselines: number[] = [];
let bytesPerEvent = 0;
for (let run = 0; run < runs; run++) {
  const generator = new TrafficGenerator({ profile: 'shop', seed: run + 1, universe });
  generator.take(200_000); // warm up the JIT and the shop (sessions open, orders in transit)
  const cpu = process.cpuUsage();
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < events; i++) bytes += generator.next().data.length;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  rates.push(events / seconds);
  cpuRates.push(events / ((used.user + used.system) / 1e6));
  bytesPerEvent = bytes / events;
  baselines.push(baselineRate());
  process.stderr.write(`run ${run + 1}: ${Math.round(rates.at(-1)!)} events/s\n`);
}

// End to end: the CLI, including start-up (tsx, the user-agent data, the universe) and writing.
const cliRates: number[] = [];
const cliSeconds: number[] = [];
let reported = '';
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const cli = spawnSync(
    process.execPath,
    [
      join(projectRoot(), 'bin/shopstream.js'),
      'generate',
      '--profile',
      'shop',
      '--count',
      String(cliCount),
      '--seed',
      '1',
      '--out',
      '/dev/null',
    ],
    { encoding: 'utf8', env: { ...process.env, SHOPSTREAM_LOG_LEVEL: 'warn' } },
  );
  const seconds = (performance.now() - started) / 1000;
  if (cli.status !== 0) throw new Error(`shopstream generate failed: ${cli.stderr}`);
  cliSeconds.push(seconds);
  cliRates.push(cliCount / seconds);
  reported = /\(([\d,]+)\/s\)/.exec(cli.stderr)?.[1] ?? '';
}

printResult({
  name: 'generate-cli',
  description: `shopstream generate --count ${cliCount} --seed 1 --out /dev/null, wall time including start-up`,
  value: median(cliRates),
  unit: 'events/s',
  runs: cliRates,
  target: '≥ 100000',
  extra: {
    seconds: median(cliSeconds),
    'generation rate reported by the CLI (events/s)': Number(reported.replaceAll(',', '')),
  },
});

printResult({
  name: 'generator',
  description: `TrafficGenerator.next() → JSON bytes, ${events} events per run, one core`,
  value: median(rates),
  unit: 'events/s',
  runs: rates,
  target: '≥ 100000',
  baseline: {
    name: 'JSON.stringify + Buffer.from of one fixed event',
    value: median(baselines),
    unit: 'events/s',
  },
  extra: {
    'events per CPU second': median(cpuRates),
    'bytes per event': Math.round(bytesPerEvent),
  },
});
