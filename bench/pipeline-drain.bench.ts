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

async function duckdbReadJson(): Promise<number> {
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
    return events / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function drainOnce(): Promise<{ rate: number; peakRssMb: number }> {
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
    if (run.status !== 0) throw new Error(`pipeline run failed: ${run.stderr}`);
    const stats = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      accepted: number;
      startedAt: number;
      lastAckAt: number;
      peakRssMb: number;
    };
    if (stats.accepted !== events) throw new Error(`drained ${stats.accepted} of ${events}`);
    return {
      rate: (stats.accepted * 1000) / (stats.lastAckAt - stats.startedAt),
      peakRssMb: stats.peakRssMb,
    };
  } finally {
    stack.remove();
  }
}

const baselines: number[] = [];
const drains: { rate: number; peakRssMb: number }[] = [];
for (let i = 0; i < runs; i++) {
  baselines.push(await duckdbReadJson());
  drains.push(await drainOnce());
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
  target: '≥ 100,000 events/s',
  baseline: { name: 'DuckDB read_json of the same events', value: median(baselines), unit: 'events/s' },
  extra: { 'peak RSS MB (median)': median(drains.map((d) => d.peakRssMb)), 'peak RSS target': '≤ 512 MB' },
});
