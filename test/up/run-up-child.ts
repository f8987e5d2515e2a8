import type { ChildProcess } from 'node:child_process';
import { startCli, type CliResult } from '../support/run-cli.js';

/** A `shopstream up` child process and what it printed so far. */
export interface UpChild {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  /** Everything on stdout so far. */
  stdout(): string;
  /** Resolves with the dashboard URL once the banner is printed; rejects if the process ends first. */
  readonly dashboardUrl: Promise<string>;
}

/** Starts `shopstream up <args>` (no terminal: plain status lines) and watches for its banner. */
export function startUp(args: string[], env: Record<string, string | undefined> = {}): UpChild {
  const { child, done } = startCli(['up', ...args], env);
  let out = '';
  const dashboardUrl = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /dashboard\s+(http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    void done.then((result) =>
      reject(
        new Error(
          `shopstream up ended (code ${result.code}) before its banner:\n${result.stdout}\n${result.stderr}`,
        ),
      ),
    );
  });
  dashboardUrl.catch(() => undefined);
  return { child, done, stdout: () => out, dashboardUrl };
}
