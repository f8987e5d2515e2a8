import { describe, expect, it } from 'vitest';
import { capturedStream } from '../../../test/support/captured-stream.js';
import { CommandOutput, type OutputFlags } from './command-output.js';

interface Progress {
  readonly done: number;
  readonly total: number;
}

const SPEC = {
  label: 'work',
  done: (p: Progress) => p.done,
  total: (p: Progress) => p.total,
  detail: (p: Progress) => `items ${p.done}/${p.total}`,
};

/** Runs a command's whole output (progress, then summary) on streams posing as terminals or pipes. */
async function run(
  flags: OutputFlags,
  terminal: { stdout: boolean; stderr: boolean },
  stdoutIsData = false,
): Promise<{ stdout: string; stderr: string }> {
  const stdout = capturedStream(terminal.stdout);
  const stderr = capturedStream(terminal.stderr);
  const output = new CommandOutput(flags, {
    streams: { stdout: stdout.stream, stderr: stderr.stream },
    stdoutIsData,
  });
  const bar = output.progress(SPEC);
  bar.update({ done: 1, total: 4 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  bar.finish({ done: 4, total: 4 });
  output.summary({ items: 4 }, 'work: 4 items');
  return { stdout: stdout.text(), stderr: stderr.text() };
}

describe('CommandOutput', () => {
  it('on a terminal: a progress bar and the summary line on stderr, nothing on stdout', async () => {
    const { stdout, stderr } = await run({}, { stdout: true, stderr: true });
    expect(stderr).toContain('work [');
    expect(stderr).toContain('100% | items 4/4');
    expect(stderr.trimEnd().endsWith('work: 4 items')).toBe(true);
    expect(stdout).toBe('');
  });

  it('piped: no progress, the summary line on stderr and one JSON line on stdout', async () => {
    const { stdout, stderr } = await run({}, { stdout: false, stderr: false });
    expect(stderr).toBe('work: 4 items\n');
    expect(stdout).toBe('{"items":4}\n');
  });

  it('stdout piped from a terminal: the bar still shows on stderr, the JSON goes to the pipe', async () => {
    const { stdout, stderr } = await run({}, { stdout: false, stderr: true });
    expect(stderr).toContain('100% | items 4/4');
    expect(stdout).toBe('{"items":4}\n');
  });

  it('--json: only the JSON line, also on a terminal', async () => {
    const { stdout, stderr } = await run({ json: true }, { stdout: true, stderr: true });
    expect(stderr).toBe('');
    expect(stdout).toBe('{"items":4}\n');
  });

  it('--quiet: nothing on a terminal; the JSON line still reaches a pipe', async () => {
    expect(await run({ quiet: true }, { stdout: true, stderr: true })).toEqual({ stdout: '', stderr: '' });
    expect(await run({ quiet: true }, { stdout: false, stderr: true })).toEqual({
      stdout: '{"items":4}\n',
      stderr: '',
    });
  });

  it('a command whose stdout is its data keeps the JSON off it (on stderr with --json only)', async () => {
    expect((await run({}, { stdout: false, stderr: false }, true)).stdout).toBe('');
    const json = await run({ json: true }, { stdout: false, stderr: false }, true);
    expect(json).toEqual({ stdout: '', stderr: '{"items":4}\n' });
  });
});
