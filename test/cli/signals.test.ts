import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/project-root.js';
import { runCli } from '../support/run-cli.js';

// A user stops shopstream by signalling the process they started: `npx shopstream …` or `npm start`,
// not shopstream itself. These tests start it exactly so, signal the wrapper, and check what a user
// would: the archive file is closed and complete, the process is gone, the exit code.

const root = projectRoot();
const scratches: string[] = [];
afterEach(() => {
  for (const dir of scratches.splice(0)) {
    for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Pids of processes whose command line mentions `text` (our scratch folder): what would be left running. */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

interface Wrapped {
  readonly child: ChildProcess;
  /** Resolves once the wrapper exited and every process holding its stdout (shopstream) is gone too. */
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

function startWrapped(command: string, args: string[], env: Record<string, string> = {}): Wrapped {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  // 'close' waits for the pipes, which shopstream holds too when it outlives the wrapper.
  const done = once(child, 'close').then(async () => {
    const [code, signal] = await exited;
    return { code, signal, stdout, stderr };
  });
  return { child, done };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The archive's files, each as its lines; fails on a temp file left behind. */
function archiveFiles(dir: string): string[][] {
  const names = existsSync(dir) ? readdirSync(dir) : [];
  expect(
    names.filter((n) => !n.startsWith('events_')),
    'only finished archive files',
  ).toEqual([]);
  return names.map((n) => readFileSync(join(dir, n), 'utf8').split('\n'));
}

/**
 * A bus holding `messages` messages on the history subscription, and the flags that point
 * shopstream at it. The archiver closes a file at 200 messages, so with 300 published the first file
 * appears once all 300 are delivered, and the other 100 sit in an open file until shutdown.
 */
async function archiveBacklog(messages = 300): Promise<{ dir: string; flags: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'shopstream-signals-'));
  scratches.push(dir);
  const flags = [
    '--bus',
    `embedded:${join(dir, 'bus')}`,
    '--lake',
    `file:${join(dir, 'lake')}`,
    '--archive',
    `file:${join(dir, 'backup')}`,
    '--warehouse',
    `duckdb:${join(dir, 'warehouse.duckdb')}`,
    '--set',
    'archive.maxMessages=200',
  ];
  for (const args of [
    ['setup', '--skip-warehouse'],
    ['generate', '--count', String(messages), '--seed', '1'],
  ]) {
    const run = await runCli([...flags, ...args]);
    expect(run.code, run.stderr).toBe(0);
  }
  return { dir, flags };
}

/** Starts `npx shopstream archive run` and resolves once the archiver holds the last 100 messages in an open file. */
async function archiverUnderNpx(env: Record<string, string> = {}): Promise<{ dir: string; npx: Wrapped }> {
  const { dir, flags } = await archiveBacklog();
  const npx = startWrapped('npx', ['shopstream', ...flags, 'archive', 'run'], env);
  // A finished file (its temp file renamed into place) means all 300 were delivered.
  const backup = join(dir, 'backup');
  await waitFor('the first archive file', () =>
    existsSync(backup) && readdirSync(backup).some((name) => name.startsWith('events_')) ? true : undefined,
  );
  return { dir, npx };
}

/** Every message archived exactly once, each file complete NDJSON (a newline after every line). */
function expectCompleteArchive(dir: string, messages = 300): void {
  const files = archiveFiles(join(dir, 'backup'));
  expect(files.length).toBe(2);
  for (const lines of files) {
    expect(lines.at(-1), 'the file ends with a newline').toBe('');
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow();
  }
  expect(files.reduce((sum, lines) => sum + lines.length - 1, 0)).toBe(messages);
}

describe('stopping shopstream through its wrapper', () => {
  it('SIGTERM to `npx shopstream archive run`: the archiver closes its file, exits, and npx exits 0', async () => {
    const { dir, npx } = await archiverUnderNpx();
    npx.child.kill('SIGTERM');
    const result = await npx.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      received: 300,
      messages: 300,
    });
    expectCompleteArchive(dir);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('SIGINT to the npx process alone (not its group) stops it the same way', async () => {
    const { dir, npx } = await archiverUnderNpx();
    npx.child.kill('SIGINT');
    const result = await npx.done;
    expect(result.code, result.stderr).toBe(0);
    expectCompleteArchive(dir);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('with sh between npx and shopstream (a user config without script-shell=bash), SIGTERM to npx still closes the file', async () => {
    // Debian's sh does not exec the command, so npm's forwarded SIGTERM kills only the shell:
    // shopstream notices it lost its parent and stops as if signalled.
    const { dir, npx } = await archiverUnderNpx({ npm_config_script_shell: 'sh' });
    npx.child.kill('SIGTERM');
    const result = await npx.done;
    expect(result.signal ?? result.code).not.toBe(0); // npm re-raises the shell's death; ours exited cleanly:
    expect(result.stderr).toContain('parent process');
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      received: 300,
      messages: 300,
    });
    expectCompleteArchive(dir);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('SIGTERM to `npm start`: the generator stops, the pipeline drains, the archive closes, npm exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shopstream-signals-up-'));
    scratches.push(dir);
    const npm = startWrapped('npm', ['run', 'start', '--', '--data', dir, '--port', '0', '--rate', '200'], {
      SHOPSTREAM_LOG_LEVEL: 'warn',
    });
    let output = '';
    npm.child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor('generated events', () => (/generated [1-9]/.test(output) ? true : undefined));
    npm.child.kill('SIGTERM');
    const result = await npm.done;
    expect(result.code, result.stderr).toBe(0);
    const stopped =
      /generated ([\d,]+) \(([\d,]+) invalid\), stored ([\d,]+), dead-lettered ([\d,]+), archived ([\d,]+) in/.exec(
        result.stdout,
      );
    expect(stopped, result.stdout).not.toBeNull();
    const [generated, , stored, deadLettered, archived] = stopped!
      .slice(1)
      .map((n) => Number(n.replaceAll(',', '')));
    expect(generated).toBeGreaterThan(0);
    expect(stored! + deadLettered!).toBe(generated);
    expect(archived).toBe(generated);
    const files = archiveFiles(join(dir, 'backup'));
    for (const lines of files) expect(lines.at(-1)).toBe('');
    expect(files.reduce((sum, lines) => sum + lines.length - 1, 0)).toBe(generated);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
