import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The files a backfill has finished, so an interrupted run restarts where it stopped. A file counts
 * as finished only after all its records are durable; a file cut off midway is read again from its
 * start (its first records land twice in the raw tables, and the views, which dedupe by event_id,
 * do not change).
 */
export class BackfillCheckpoint {
  private readonly finished: Set<string>;

  constructor(
    readonly path: string,
    readonly source: string,
  ) {
    let data: { source?: string; finished?: string[] } = {};
    try {
      data = JSON.parse(readFileSync(path, 'utf8')) as typeof data;
    } catch {
      // No checkpoint yet: start from the first file.
    }
    this.finished = new Set(data.source === source ? (data.finished ?? []) : []);
  }

  has(fileUri: string): boolean {
    return this.finished.has(fileUri);
  }

  get size(): number {
    return this.finished.size;
  }

  /** Records a finished file; written atomically (temp + rename) so a crash never corrupts it. */
  markFinished(fileUri: string): void {
    this.finished.add(fileUri);
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(
      temp,
      JSON.stringify({ source: this.source, finished: [...this.finished].sort() }, null, 1),
    );
    renameSync(temp, this.path);
  }
}
