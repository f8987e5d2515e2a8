/**
 * Start-up (issue 16), run as a user runs it: `npx shopstream …` (and `node bin/shopstream.js …`),
 * from the compiled dist/ and from src/ through tsx (SHOPSTREAM_FROM_SOURCE=1), on a local stack.
 *
 * `npx shopstream` is timed in two places, because npm runs it two different ways:
 * - in this clone (`npx`): the root package.json itself has the `shopstream` bin, so npm exec installs
 *   the package into its npx cache as a link and loads that tree with Arborist, which follows the link
 *   and reads every package.json under our node_modules (~700; the cache's hidden lockfile never
 *   lists them). That is about a second of npm's CPU before our process starts.
 * - in a project that installed shopstream as a dependency (`npx-dependent`, a temporary folder that
 *   ran `npm install <this clone>`): npm finds node_modules/.bin/shopstream and runs it directly.
 *
 * - first pull: from spawning the command to the pipeline's first pull from the embedded bus (100
 *   messages published before each run). The bench watches the subscription's cursor in the bus's
 *   SQLite file from outside, so nothing in shopstream is instrumented; target ≤ 1.0 s.
 * - empty-bus exit: `pipeline run --exit-when-idle` on an empty bus, wall time until the command has
 *   exited; target ≤ 1.5 s. With the default idle wait (`--idle 2s`) and with `--idle 1ms`, which
 *   leaves start-up and shutdown alone: the difference is the idle wait.
 *
 * Beside each figure: the CPU time the run's processes used (a shared machine stretches wall time,
 * CPU time much less), and the cost of deciding whether dist/ is current. Needs a current dist/
 * (`npm run build`); builds it when it is not.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBus } from '../src/bus/open-bus.js';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { projectRoot } from '../src/util/project-root.js';
import { createLocalStack, type LocalStack } from '../test/support/local-stack.js';
import { median, printResult, runsFromEnv, type BenchResult } from './bench-result.js';
import { procCpuSeconds } from './proc-cpu.js';
import { buildDist } from '../scripts/build-dist.mjs';
import { distIsCurrent } from '../scripts/dist-stamp.mjs';

const root = projectRoot();
const runs = runsFromEnv(5);
const PUBLISHED = 100;

type Launcher = 'npx' | 'npx-dependent' | 'node';
type Tree = 'dist' | 'src';
const VARIANTS: readonly { launcher: Launcher; tree: Tree }[] = [
  { launcher: 'npx', tree: 'dist' },
  { launcher: 'npx', tree: 'src' },
  { launcher: 'npx-dependent', tree: 'dist' },
  { launcher: 'node', tree: 'dist' },
  { launcher: 'node', tree: 'src' },
];

if (!distIsCurrent(root)) {
  process.stderr.write('dist/ is not current: building it first\n');
  if (buildDist(root) !== 0) throw new Error('npm run build failed');
}

/** CPU seconds of this process's waited-for children so far. */
const childCpuSeconds = (): number => procCpuSeconds('self', 'children');

interface Timed {
  /** ms from spawn to the first pull (first-pull runs), else undefined. */
  readonly firstPullMs?: number;
  /** ms from spawn to the command's exit. */
  readonly exitMs: number;
  readonly cpuSeconds: number;
}

/** Runs `shopstream <args>` as the variant says, and times it; with `watchCursorOf`, also the first pull. */
async function timed(
  variant: { launcher: Launcher; tree: Tree },
  stack: LocalStack,
  args: readonly string[],
  watchCursorOf?: string,
): Promise<Timed> {
  const [command, prefix] =
    variant.launcher === 'node'
      ? [process.execPath, [join(root, 'bin/shopstream.js')]]
      : ['npx', ['shopstream']];
  const env = {
    ...process.env,
    SHOPSTREAM_LOG_LEVEL: 'warn',
    SHOPSTREAM_FROM_SOURCE: variant.tree === 'src' ? '1' : '',
  };
  const db = watchCursorOf
    ? new Database(join(stack.dir, 'bus', 'bus.sqlite'), { readonly: true })
    : undefined;
  const cursor = db?.prepare('SELECT cursor FROM subscriptions WHERE name = ?').pluck();
  const before = cursor?.get(watchCursorOf) as number | undefined;
  const cpuBefore = childCpuSeconds();
  const started = performance.now();
  const child = spawn(command, [...prefix, ...stack.flags, ...args], {
    cwd: variant.launcher === 'npx-dependent' ? dependentProject : root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let firstPullMs: number | undefined;
  let running = true;
  void exited.then(() => (running = false));
  // A read every 2 ms costs microseconds: it disturbs the measured process far less than a core.
  while (cursor && running && firstPullMs === undefined) {
    if ((cursor.get(watchCursorOf) as number) !== before) firstPullMs = performance.now() - started;
    else await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const code = await exited;
  const exitMs = performance.now() - started;
  db?.close();
  if (code !== 0) throw new Error(`shopstream ${args.join(' ')} exited ${code}: ${stderr}`);
  if (watchCursorOf && firstPullMs === undefined) throw new Error('the pipeline exited without pulling');
  return { firstPullMs, exitMs, cpuSeconds: childCpuSeconds() - cpuBefore };
}

const generator = new TrafficGenerator({
  profile: 'shop',
  seed: 1,
  universe: buildReferenceUniverse({ seed: 42 }),
  clock: 'wall',
});
async function publish(stack: LocalStack): Promise<void> {
  const bus = await openBus(stack.config.bus);
  await bus.start();
  await bus.publish(
    stack.config.topic,
    Array.from({ length: PUBLISHED }, () => ({ data: generator.next().data })),
  );
  await bus.close();
}

const LAUNCHER_LABELS: Record<Launcher, string> = {
  npx: 'npx shopstream in this clone',
  'npx-dependent': 'npx shopstream in a project that depends on shopstream',
  node: 'node bin/shopstream.js',
};
const label = (v: { launcher: Launcher; tree: Tree }): string =>
  `${LAUNCHER_LABELS[v.launcher]}, ${v.tree === 'dist' ? 'from dist/' : 'from src/ (tsx)'}`;

/**
 * A project as a user makes one: a package.json, then `npm install <this clone>` (a directory
 * dependency: npm links it and puts its bin in node_modules/.bin). Its lifecycle scripts are not run:
 * dist/ is already built here.
 */
function makeDependentProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shopstream-dependent-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'uses-shopstream', private: true }));
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', root], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (install.status !== 0) throw new Error(`npm install ${root} failed: ${install.stderr}`);
  return dir;
}
const dependentProject = makeDependentProject();

function report(result: Omit<BenchResult, 'value'>, cpu: readonly number[]): void {
  printResult({
    ...result,
    value: median(result.runs),
    extra: { ...result.extra, 'CPU s of its processes (median)': median(cpu) },
  });
}

const stack = await createLocalStack();
try {
  // One warm-up of each: npx's cache entry, tsx's transform cache, the page cache, as after a first use.
  for (const variant of VARIANTS) await timed(variant, stack, ['--version']);

  for (const variant of VARIANTS) {
    const key = `${variant.launcher}-${variant.tree}`;
    const firstPull: Timed[] = [];
    const shortIdle: Timed[] = [];
    const defaultIdle: Timed[] = [];
    const version: Timed[] = [];
    for (let run = 0; run < runs; run++) {
      await publish(stack);
      firstPull.push(
        await timed(
          variant,
          stack,
          ['pipeline', 'run', '--exit-when-idle', '--idle', '100ms'],
          stack.config.subscription,
        ),
      );
      shortIdle.push(await timed(variant, stack, ['pipeline', 'run', '--exit-when-idle', '--idle', '1ms']));
      if (variant.tree === 'dist')
        defaultIdle.push(await timed(variant, stack, ['pipeline', 'run', '--exit-when-idle']));
      version.push(await timed(variant, stack, ['--version']));
      process.stderr.write(
        `${key} run ${run + 1}: first pull ${Math.round(firstPull.at(-1)!.firstPullMs!)} ms, empty-bus exit ${Math.round(shortIdle.at(-1)!.exitMs)} ms (--idle 1ms)` +
          `${defaultIdle.length ? `, ${Math.round(defaultIdle.at(-1)!.exitMs)} ms (default idle)` : ''}, --version ${Math.round(version.at(-1)!.exitMs)} ms\n`,
      );
    }
    const versionMs = median(version.map((t) => t.exitMs));
    report(
      {
        name: `startup-first-pull-${key}`,
        description: `${label(variant)}: process start → first message pulled (pipeline run, ${PUBLISHED} messages waiting)`,
        unit: 'ms',
        runs: firstPull.map((t) => t.firstPullMs!),
        target: '≤ 1,000 ms',
        extra: { '`shopstream --version` ms (median)': versionMs },
      },
      firstPull.map((t) => t.cpuSeconds),
    );
    report(
      {
        name: `startup-empty-exit-${key}`,
        description: `${label(variant)}: pipeline run --exit-when-idle --idle 1ms on an empty bus, start to exit (start-up and shutdown, no idle wait)`,
        unit: 'ms',
        runs: shortIdle.map((t) => t.exitMs),
        target: '≤ 1,500 ms',
      },
      shortIdle.map((t) => t.cpuSeconds),
    );
    if (defaultIdle.length)
      report(
        {
          name: `startup-empty-exit-default-idle-${key}`,
          description: `${label(variant)}: pipeline run --exit-when-idle (default idle wait, 2 s) on an empty bus, start to exit`,
          unit: 'ms',
          runs: defaultIdle.map((t) => t.exitMs),
          target: '≤ 1,500 ms',
        },
        defaultIdle.map((t) => t.cpuSeconds),
      );
  }

  // What bin/ pays to decide that dist/ is current, in a fresh process as bin/ does.
  const checks: number[] = [];
  for (let run = 0; run < runs; run++) {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); const { distIsCurrent } = await import(${JSON.stringify(join(root, 'scripts/dist-stamp.mjs'))}); ` +
          `const current = distIsCurrent(${JSON.stringify(root)}); process.stdout.write(JSON.stringify({ current, ms: performance.now() - t }));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    const { current, ms } = JSON.parse(out) as { current: boolean; ms: number };
    if (!current) throw new Error('dist/ went stale during the benchmark');
    checks.push(ms);
  }
  printResult({
    name: 'startup-dist-current-check',
    description:
      'bin/shopstream.js deciding that dist/ is current (load the check, stat every source, compare the stamp), in a fresh process',
    value: median(checks),
    unit: 'ms',
    runs: checks,
  });
} finally {
  stack.remove();
  rmSync(dependentProject, { recursive: true, force: true });
}
