/**
 * Pipeline drain on the local stack: N pre-published events (default 1,000,000; BENCH_EVENTS) drained by
 * `shopstream pipeline run --exit-when-idle` (a real process: embedded bus → file lake + DuckDB), beside
 * DuckDB's own read_json loading the same events into the same three tables' worth of rows.
 * Also reports the pipeline process's peak RSS (target ≤ 512 MB).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBus } from '../src/bus/open-bus.js';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { projectRoot } from '../src/util/project-root.js';
import { createLocalStack } from '../test/support/local-stack.js';
import { median, printResult, runsFromEnv } from './bench-result.js';

const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const runs = runsFromEnv(3);

// The same events for every run and for the baseline.
const generator = new TrafficGenerator({
  profile: 'shop',
  seed: 1,
  universe: buildReferenceUniverse({ seed: 42 }),
  clock: 'wall',
});
const messages: { data: Buffer; type: string }[] = [];
for (let i = 0; i < events; i++) {
  const m = generator.next();
  messages.push({ data: m.data, type: m.eventType! });
}
const avgBytes = Math.round(messages.reduce((s, m) => s + m.data.length, 0) / events);
process.stderr.write(`generated ${events} events, ${avgBytes} bytes on average\n`);

async function duckdbReadJson(messages: readonly { data: Buffer; type: string }[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-readjson-'));
  try {
    for (const type of ['order', 'inventory', 'user_activity'])
      writeFileSync(
        join(dir, `${type}.ndjson`),
        messages
          .filter((m) => m.type === type)
          .map((m) => m.data.toString('utf8'))
          .join('\n') + '\n',
      );
    const instance = await DuckDBInstance.create(join(dir, 'baseline.duckdb'));
    const connection = await instance.connect();
    const started = performance.now();
    for (const type of ['order', 'inventory', 'user_activity'])
      await connection.run(
        `CREATE TABLE "${type}" AS SELECT * FROM read_json('${join(dir, `${type}.ndjson`)}', format = 'newline_delimited')`,
      );
    const seconds = (performance.now() - started) / 1000;
    connection.closeSync();
    instance.closeSync();
    return messages.length / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function drainOnce(
  messages: readonly { data: Buffer; type: string }[],
): Promise<{ rate: number; wallRate: number; peakRssMb: number }> {
  const stack = await createLocalStack();
  try {
    const bus = await openBus(stack.config.bus);
    await bus.start();
    for (let i = 0; i < messages.length; i += 5_000)
      await bus.publish(
        stack.config.topic,
        messages.slice(i, i + 5_000).map((m) => ({ data: m.data })),
      );
    await bus.close();
    // Wall time as a user sees it: process start, drain, final checkpoint, exit.
    const spawned = performance.now();
    const run = spawnSync(
      process.execPath,
      [
        join(projectRoot(), 'bin/shopstream.js'),
        ...stack.flags,
        'pipeline',
        'run',
        '--exit-when-idle',
        '--idle',
        '1s',
      ],
      {
        cwd: projectRoot(),
        encoding: 'utf8',
      },
    );
    const wallSeconds = (performance.now() - spawned) / 1000;
    if (run.status !== 0) throw new Error(`pipeline run failed: ${run.stderr}`);
    const stats = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      accepted: number;
      startedAt: number;
      lastAckAt: number;
      peakRssMb: number;
    };
    if (stats.accepted !== messages.length)
      throw new Error(`drained ${stats.accepted} of ${messages.length}`);
    return {
      rate: (stats.accepted * 1000) / (stats.lastAckAt - stats.startedAt),
      wallRate: stats.accepted / wallSeconds,
      peakRssMb: stats.peakRssMb,
    };
  } finally {
    stack.remove();
  }
}

const baselines: number[] = [];
const drains: { rate: number; wallRate: number; peakRssMb: number }[] = [];
for (let i = 0; i < runs; i++) {
  baselines.push(await duckdbReadJson(messages));
  drains.push(await drainOnce(messages));
  process.stderr.write(
    `run ${i + 1}: pipeline ${Math.round(drains[i]!.rate)} events/s (peak RSS ${drains[i]!.peakRssMb} MB), read_json ${Math.round(baselines[i]!)} events/s\n`,
  );
}
printResult({
  name: 'pipeline-drain-embedded',
  description: `drain ${events.toLocaleString('en-US')} pre-published events (~${avgBytes} B): embedded bus → lake + DuckDB, acked when durable`,
  value: median(drains.map((d) => d.rate)),
  unit: 'events/s',
  runs: drains.map((d) => d.rate),
  target: '≥ 200,000 events/s, ≥ 0.25 × read_json',
  baseline: { name: 'DuckDB read_json of the same events', value: median(baselines), unit: 'events/s' },
  extra: { 'peak RSS MB (median)': median(drains.map((d) => d.peakRssMb)), 'peak RSS target': '≤ 512 MB' },
});

// A smaller drain as a user runs it: `pipeline run --exit-when-idle` from process start to exit,
// start-up and the final checkpoint included, beside read_json of the same events.
const small = messages.slice(0, Math.min(300_000, messages.length));
const smallBaselines: number[] = [];
const smallDrains: number[] = [];
for (let i = 0; i < runs; i++) {
  smallBaselines.push(await duckdbReadJson(small));
  smallDrains.push((await drainOnce(small)).wallRate);
  process.stderr.write(
    `cli run ${i + 1}: ${Math.round(smallDrains[i]!)} events/s wall, read_json ${Math.round(smallBaselines[i]!)} events/s\n`,
  );
}
printResult({
  name: 'pipeline-drain-cli-wall',
  description: `\`shopstream pipeline run --exit-when-idle\` on ${small.length.toLocaleString('en-US')} pre-published events, process start to exit (start-up and final checkpoint included)`,
  value: median(smallDrains),
  unit: 'events/s',
  runs: smallDrains,
  target: '≥ 0.35 × read_json',
  baseline: { name: 'DuckDB read_json of the same events', value: median(smallBaselines), unit: 'events/s' },
});
