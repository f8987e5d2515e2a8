import { mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndjson } from '../ndjson.js';

/**
 * Where rows wait, as newline-delimited JSON, for DuckDB's read_json to insert them. JSON.stringify
 * is one fast pass in V8; DuckDB then parses the file on its own threads, converting ISO timestamps
 * with any offset and decimal amounts itself, and the event loop stays free meanwhile. The Appender,
 * the alternative (compared in bench/duckdb-append.bench.ts), crosses into native code once per
 * string value and inserts synchronously on the JavaScript thread. Files are deleted once inserted.
 *
 * A file database stages in `<file>.stage/`, next to it, which belongs to the process that holds
 * DuckDB's lock on the file: what a killed predecessor left there is removed once the lock is taken
 * (see {@link NdjsonStage.removeLeftovers}), so crashes leave nothing behind for long, and nothing
 * outside the data folder. A database in memory stages in a private folder of the system's temp dir.
 */
export class NdjsonStage {
  private sequence = 0;

  private constructor(
    readonly dir: string,
    /** Whether the folder is this process's alone from the start (a private temp folder). */
    readonly isPrivate: boolean,
  ) {}

  /** A private folder in the system's temp dir. */
  static async inTempDir(): Promise<NdjsonStage> {
    return new NdjsonStage(await mkdtemp(join(tmpdir(), 'shopstream-duckdb-')), true);
  }

  /** `<databaseFile>.stage`, created when missing; the holder of the database file's lock owns it. */
  static async besideDatabase(databaseFile: string): Promise<NdjsonStage> {
    const dir = `${databaseFile}.stage`;
    await mkdir(dir, { recursive: true });
    return new NdjsonStage(dir, false);
  }

  /**
   * Removes the files an earlier process left (it was killed between staging and inserting). Call it
   * only while holding the database file's lock: then no other live process stages here. Best effort:
   * a leftover is never read again, so one that cannot be removed is no reason to fail.
   */
  async removeLeftovers(): Promise<void> {
    const names = await readdir(this.dir).catch(() => []);
    for (const name of names)
      await rm(join(this.dir, name), { recursive: true, force: true }).catch(() => undefined);
  }

  /** Writes the rows to a new file and returns its path. */
  async write(rows: readonly object[]): Promise<string> {
    return this.writeText(ndjson(rows));
  }

  /** Writes rows already serialized as NDJSON text to a new file and returns its path. */
  async writeText(text: string): Promise<string> {
    const file = this.nextFile();
    await writeFile(file, text);
    return file;
  }

  /** Writes NDJSON bytes, given in chunks that each end with a newline, to a new file; returns its path. */
  async writeChunks(chunks: readonly Uint8Array[]): Promise<string> {
    const file = this.nextFile();
    const handle = await open(file, 'w');
    try {
      await handle.writev(chunks as Uint8Array[]);
    } finally {
      await handle.close();
    }
    return file;
  }

  private nextFile(): string {
    return join(this.dir, `rows-${(this.sequence++).toString(36)}.ndjson`);
  }

  async remove(file: string): Promise<void> {
    await rm(file, { force: true });
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
