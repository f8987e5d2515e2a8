import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/project-root.js';
import { freePort } from '../support/free-port.js';
import { OpsClient, waitFor } from '../support/ops-client.js';
import type { CliResult } from '../support/run-cli.js';

/** `shopstream pipeline run --port …` as a real child process, with its ops server. */
export interface PipelineProcess {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  readonly ops: OpsClient;
  /** What it logged on stderr so far. */
  stderr(): string;
  /** Sends SIGTERM and resolves with the result and how long the process took to exit, in ms. */
  terminate(): Promise<CliResult & { exitMs: number }>;
}

export interface PipelineProcessOptions {
  /** More arguments after `pipeline run --port N` (e.g. `--exit-when-idle`). */
  readonly args?: readonly string[];
  readonly env?: Record<string, string | undefined>;
  /** Run as this user and group (a root test process can drop privileges, so file modes apply). */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Starts `shopstream <flags> pipeline run --port <free port>` and resolves once its ops server
 * answers, so a test can watch `/healthz` and `/metrics` from outside, as an orchestrator would.
 */
export async function startPipelineProcess(
  flags: readonly string[],
  options: PipelineProcessOptions = {},
): Promise<PipelineProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(projectRoot(), 'bin/shopstream.js'),
      ...flags,
      'pipeline',
      'run',
      '--port',
      String(port),
      ...(options.args ?? []),
    ],
    {
      cwd: projectRoot(),
      env: { ...process.env, SHOPSTREAM_LOG_LEVEL: undefined, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  let exited = false;
  void done.then(() => (exited = true));
  const ops = new OpsClient(`http://127.0.0.1:${port}`);
  await waitFor(
    'the pipeline process to serve /healthz',
    async () => {
      if (exited) throw new Error(`the pipeline exited before serving /healthz:\n${stderr}`);
      return (await ops.health()) !== undefined;
    },
    60_000,
  );
  return {
    child,
    done,
    ops,
    stderr: () => stderr,
    async terminate() {
      const sent = Date.now();
      child.kill('SIGTERM');
      const result = await done;
      return { ...result, exitMs: Date.now() - sent };
    },
  };
}

/** The totals a `pipeline run` prints on its last stdout line. */
export function statsOf(result: CliResult): {
  received: number;
  accepted: number;
  deadLettered: number;
  acked: number;
} {
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as ReturnType<typeof statsOf>;
}
