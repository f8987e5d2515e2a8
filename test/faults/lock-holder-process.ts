import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, 'lock-holder.ts');

/** A running lock-holder.ts: another process holding a DuckDB file or the embedded bus's SQLite lock. */
export class LockHolder {
  private output = '';
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Starts the holder and resolves once it holds the lock. */
  static async hold(kind: 'duckdb' | 'sqlite', file: string): Promise<LockHolder> {
    const holder = new LockHolder(
      spawn(process.execPath, ['--import', 'tsx', SCRIPT, kind, file], { stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    const deadline = Date.now() + 30_000;
    while (!holder.output.includes('locked\n')) {
      if (holder.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the lock holder did not take the lock: ${holder.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return holder;
  }

  /** Lets go of the lock; resolves once the holder has exited. */
  async release(): Promise<void> {
    this.child.stdin!.end();
    const code = await this.exited;
    if (code !== 0) throw new Error(`the lock holder failed (${code}): ${this.output}`);
  }

  /** Kills the holder if it still runs (cleanup after a failed test). */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
