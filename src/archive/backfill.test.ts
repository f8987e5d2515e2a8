import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventIdOf } from '../contract/event-id.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { buildReferenceUniverse } from '../generator/reference-universe.js';
import { TrafficGenerator } from '../generator/traffic-generator.js';
import { FileLake } from '../lake/file/file-lake.js';
import { silentLogger } from '../telemetry/logger.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { DuckDbWarehouse } from '../warehouse/duckdb/duckdb-warehouse.js';
import { archiveFileName } from './archive-file-name.js';
import { runBackfill, type BackfillOptions, type BackfillProgress } from './backfill.js';
import { BackfillCheckpoint } from './backfill-checkpoint.js';
import { FileSource } from './sources/file-source.js';

const FILES = 5;
const VALID_PER_FILE = 22;
/** Breaks the contract (no order fields): one such line per file goes to the DLQ. */
const INVALID = '{"event_type":"order"}';

let dir: string;
let archive: string;
/** Per archive file (absolute path): the event ids of its valid lines. */
let validIds: Map<string, string[]>;
let warehouse: DuckDbWarehouse;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shopstream-backfill-'));
  archive = join(dir, 'backup');
  mkdirSync(archive);
  const generator = new TrafficGenerator({
    seed: 3,
    universe: buildReferenceUniverse({ seed: 42 }),
    clock: 'wall',
  });
  validIds = new Map();
  const openedAt = Date.now() - 3_600_000;
  for (let f = 0; f < FILES; f++) {
    const lines: Buffer[] = [];
    for (let i = 0; i < VALID_PER_FILE; i++) lines.push(generator.next().data);
    const name = archiveFileName(new Date(openedAt + f * 60_000), {
      prefix: 'events_',
      suffix: '.json',
      datetimeFormat: 'YYYY-MM-DDTHH:mm:ssZ',
    });
    // The invalid line sits in the middle, so it is the 12th line of each file.
    lines.splice(11, 0, Buffer.from(INVALID));
    writeFileSync(join(archive, name), Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    validIds.set(
      join(archive, name),
      lines.filter((l) => l.toString() !== INVALID).map((l) => eventIdOf(l)),
    );
  }
  const path = join(dir, 'warehouse.duckdb');
  warehouse = new DuckDbWarehouse({ uri: `duckdb:${path}`, path });
  await warehouse.start();
  await warehouse.ensureSchema();
});

afterEach(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<BackfillOptions> = {}): BackfillOptions {
  const lakeDir = join(dir, 'lake');
  return {
    source: new FileSource({ uri: archive, path: archive }),
    lake: new FileLake({ uri: `file:${lakeDir}`, directory: lakeDir }),
    warehouse,
    checkpoint: new BackfillCheckpoint(join(dir, 'checkpoint.json'), archive),
    telemetry: new Telemetry(),
    logger: silentLogger,
    // Batches of 10 across files of 23 lines: most batches hold the end of one file and the start of the next.
    batchRecords: 10,
    ...overrides,
  };
}

async function idsIn(sql: string): Promise<string[]> {
  return (await warehouse.query(sql)).rows.map((r) => r.event_id as string).sort();
}

const allEventIds = (): Promise<string[]> =>
  idsIn(
    'SELECT event_id FROM orders UNION ALL SELECT event_id FROM inventory UNION ALL SELECT event_id FROM user_activity',
  );

const finishedFiles = (): string[] =>
  (JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { finished: string[] }).finished;

describe('runBackfill', () => {
  it('writes every record once, through batches that span files, and checkpoints every file', async () => {
    const progress = await runBackfill(options());
    expect(progress).toMatchObject({
      files: FILES,
      filesTotal: FILES,
      filesSkipped: 0,
      records: FILES * (VALID_PER_FILE + 1),
      accepted: FILES * VALID_PER_FILE,
      deadLettered: FILES,
    });
    expect(await allEventIds()).toEqual([...validIds.values()].flat().sort());
    expect(finishedFiles()).toEqual([...validIds.keys()].sort());
    // A DLQ record names its file and line, and carries the file's open time as publish time.
    const errors = await warehouse.query(
      'SELECT message_id, publish_time FROM ingest_errors ORDER BY message_id',
    );
    expect(errors.rows.map((r) => r.message_id)).toEqual([...validIds.keys()].sort().map((f) => `${f}#12`));
    for (const row of errors.rows) {
      const file = (row.message_id as string).split('#')[0]!;
      const stamp = /_(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)_/.exec(file)![1]!;
      expect(new Date(row.publish_time as string).toISOString()).toBe(new Date(stamp).toISOString());
    }
  });

  it('on abort, keeps what is durable, checkpoints only whole files, and resumes after them', async () => {
    const abort = new AbortController();
    const seen: BackfillProgress[] = [];
    const first = await runBackfill(
      options({
        signal: abort.signal,
        onProgress: (p) => {
          seen.push({ ...p });
          if (p.files >= 2) abort.abort();
        },
      }),
    );
    expect(first.files).toBeGreaterThanOrEqual(2);
    expect(first.files).toBeLessThan(FILES);
    const finished = finishedFiles();
    expect(finished).toHaveLength(first.files);
    // Every line of a checkpointed file is in the warehouse.
    const stored = new Set(await allEventIds());
    for (const file of finished)
      for (const id of validIds.get(file)!) expect(stored.has(id), file).toBe(true);
    // Files are finished in order, each after the batch holding its last line.
    expect(finished).toEqual([...validIds.keys()].sort().slice(0, finished.length));

    const second = await runBackfill(options());
    expect(second.filesSkipped).toBe(finished.length);
    expect(second.records).toBe((FILES - finished.length) * (VALID_PER_FILE + 1));
    expect(new Set(await allEventIds())).toEqual(new Set([...validIds.values()].flat()));
    expect(finishedFiles()).toEqual([...validIds.keys()].sort());
  });

  it('gives up on a sink that keeps failing with its typed error, checkpointing nothing', async () => {
    // A lake folder under a regular file cannot be written.
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const error = await runBackfill(
      options({
        lake: new FileLake({ uri: `file:${blocker}/lake`, directory: join(blocker, 'lake') }),
        maxAttempts: 2,
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopstreamError);
    expect(error).toMatchObject({ code: 'SHOP_E_LAKE_WRITE' });
    expect(() => finishedFiles()).toThrow();
  });
});
