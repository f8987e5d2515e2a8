import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Docker cannot build here (no engine), so the Dockerfile is checked statically, and the command
// the image runs is run against a tree laid out exactly like the image's /app.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Stage {
  readonly name: string;
  readonly base: string;
  readonly instructions: readonly { readonly op: string; readonly args: string }[];
}

/** The stages of a Dockerfile, with ARG defaults substituted into FROM lines. */
function stagesOf(dockerfile: string): Stage[] {
  const args = new Map<string, string>();
  const stages: { name: string; base: string; instructions: { op: string; args: string }[] }[] = [];
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    const [, op = '', rest = ''] = /^(\w+)\s*(.*)$/.exec(line) ?? [];
    const upper = op.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      args.set(name!.trim(), value.trim());
    } else if (upper === 'FROM') {
      const [image = '', , name = `stage${stages.length}`] = rest.split(/\s+/);
      const base = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => args.get(a ?? b) ?? '');
      stages.push({ name, base, instructions: [] });
    } else stages.at(-1)?.instructions.push({ op: upper, args: rest });
  }
  return stages;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = stagesOf(dockerfile);
const runtime = stages.at(-1)!;

describe('Dockerfile', () => {
  it('builds in a full Node 20 stage and runs on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.base).toBe('node:20-bookworm-slim');
    const build = stages.find((s) =>
      s.instructions.some((i) => i.op === 'RUN' && /npm run build/.test(i.args)),
    );
    expect(build, 'a stage runs npm run build').toBeDefined();
    expect(build!.name).not.toBe(runtime.name);
    expect(stagesThrough(build!).some((s) => s.instructions.some((i) => /^npm ci\b/.test(i.args)))).toBe(
      true,
    );
  });

  it('ships production dependencies only, the compiled code and the schemas', () => {
    const copies = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    const modules = copies.find((c) => /node_modules/.test(c));
    const fromStage = /--from=(\S+)/.exec(modules ?? '')?.[1];
    const depsStage = stages.find((s) => s.name === fromStage);
    expect(depsStage?.instructions.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args))).toBe(
      true,
    );
    expect(copies.some((c) => /--from=\S+\s+\/app\/dist\s/.test(c))).toBe(true);
    expect(copies).toContain('schemas ./schemas');
    expect(copies).toContain('package.json ./');
  });

  it('runs the pipeline as a non-root user, reachable by Cloud Run probes, without a HEALTHCHECK', () => {
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const cmd = runtime.instructions.filter((i) => i.op === 'CMD').at(-1)?.args ?? '';
    expect(JSON.parse(cmd)).toEqual(['node', 'dist/src/cli/main.js', 'pipeline', 'run', '--host', '0.0.0.0']);
    expect(stages.flatMap((s) => s.instructions).filter((i) => i.op === 'HEALTHCHECK')).toEqual([]);
  });

  it('.dockerignore keeps local state out but lets in everything the build copies', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const path of ['**/node_modules', 'data', 'dist', '.git', 'test-artifacts'])
      expect(ignored, path).toContain(path);
    const copiedFromContext = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copiedFromContext.length).toBeGreaterThan(0);
    for (const path of copiedFromContext) {
      expect(existsSync(join(ROOT, path)), `${path} exists`).toBe(true);
      expect(ignored, `${path} is copied, so it must not be ignored`).not.toContain(path);
    }
  });
});

/** A stage and the stages it is built FROM. */
function stagesThrough(stage: Stage): Stage[] {
  const parent = stages.find((s) => s.name === stage.base);
  return parent ? [...stagesThrough(parent), stage] : [stage];
}

describe('the image command', () => {
  // The Dockerfile replayed on disk: its build context (what the build stages COPY from it, minus what
  // .dockerignore drops) is compiled with `npm run build`'s tsc, then /app is laid out as the runtime
  // stage's COPY lines say, and the image's CMD runs there — without tsx and without the sources.
  let context: string;
  let app: string;
  let build: { status: number | null; stdout: string };
  beforeAll(() => {
    const scratch = mkdtempSync(join(tmpdir(), 'shopstream-image-'));
    context = join(scratch, 'build');
    app = join(scratch, 'app');
    const buildStage = stages.find((s) => s.instructions.some((i) => /npm run build/.test(i.args)))!;
    for (const source of stagesThrough(buildStage)
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1)))
      cpSync(join(ROOT, source), join(context, source), {
        recursive: true,
        filter: (path) => !path.endsWith('.test.ts'),
      });
    symlinkSync(join(ROOT, 'node_modules'), join(context, 'node_modules'));
    // Type errors are the typecheck's business (tsc emits regardless); what matters here is the output.
    build = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: context, encoding: 'utf8' },
    );
    for (const copy of runtime.instructions.filter((i) => i.op === 'COPY')) {
      const parts = copy.args.split(/\s+/);
      const [from, target] = [/--from=(\S+)/.exec(copy.args)?.[1], parts.at(-1)!];
      const sources = parts.filter((p) => !p.startsWith('--')).slice(0, -1);
      for (const source of sources) {
        const destination = join(app, target.endsWith('/') ? basename(source) : target);
        mkdirSync(dirname(destination), { recursive: true });
        if (source.endsWith('node_modules')) symlinkSync(join(ROOT, 'node_modules'), destination);
        else
          cpSync(from ? join(context, relative('/app', source)) : join(ROOT, source), destination, {
            recursive: true,
          });
      }
    }
  }, 120_000);
  afterAll(() => rmSync(dirname(app), { recursive: true, force: true }));

  it('compiles every CLI command to dist/src/cli/commands, where main.js discovers them', () => {
    expect(build.stdout).not.toMatch(/error TS(2307|6053)/); // a file the build context does not hold
    const sources = readdirSync(join(ROOT, 'src/cli/commands')).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    const compiled = new Set(readdirSync(join(app, 'dist/src/cli/commands')));
    for (const source of sources) expect(compiled.has(source.replace(/\.ts$/, '.js')), source).toBe(true);
    expect(existsSync(join(app, 'src/cli')), 'the image holds no TypeScript sources').toBe(false);
  });

  it('`node dist/src/cli/main.js pipeline run --help` works in /app as the image lays it out', () => {
    const [command, ...args] = JSON.parse(
      runtime.instructions.filter((i) => i.op === 'CMD').at(-1)!.args,
    ) as string[];
    expect(command).toBe('node');
    const result = spawnSync(process.execPath, [...args, '--help'], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: app },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--host <host>/);
  });

  it('drains a local backlog from the compiled tree: its worker threads start from dist/ without tsx', () => {
    const data = join(dirname(app), 'data');
    const cli = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          'dist/src/cli/main.js',
          '--bus',
          `embedded:${join(data, 'bus')}`,
          '--lake',
          `file:${join(data, 'lake')}`,
          '--archive',
          `file:${join(data, 'backup')}`,
          '--warehouse',
          `duckdb:${join(data, 'warehouse.duckdb')}`,
          ...args,
        ],
        { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: app } },
      );
    expect(cli('setup').status).toBe(0);
    expect(cli('generate', '--count', '300', '--invalid-ratio', '0.1', '--seed', '3').status).toBe(0);
    const run = cli('pipeline', 'run', '--exit-when-idle', '--idle', '1s');
    expect(run.status, run.stderr).toBe(0);
    const stats = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      accepted: number;
      deadLettered: number;
    };
    expect(stats.accepted + stats.deadLettered).toBe(300);
    expect(stats.deadLettered).toBeGreaterThan(0);
  }, 60_000);
});
