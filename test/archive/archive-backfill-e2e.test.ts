import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeOfArchiveFile } from '../../src/archive/archive-file-name.js';
import { openBus } from '../../src/bus/open-bus.js';
import type { EventType } from '../../src/contract/event-types.js';
import { eventIdOf } from '../../src/contract/event-id.js';
import type { ErrorCode } from '../../src/errors/error-codes.js';
import { expectEveryEventAccountedFor, lakeDirOf } from '../support/check-outcome.js';
import { FakeGcsServer } from '../support/fake-gcs-server.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { lakeLines } from '../support/read-lake.js';
import { drainInProcess } from '../support/run-pipeline-in-process.js';
import { runCli, startCli, type CliResult } from '../support/run-cli.js';
import { startS3Server } from '../support/s3-server.js';
import { asMultiset, readArchive, recordingBus, type ArchiveFile } from './archive-files.js';
import {
  queryRows,
  rawCounts,
  snapshotViews,
  wipeLakeAndWarehouse,
  type ViewSnapshot,
} from './view-snapshot.js';

/** What `shopstream backfill` prints on stdout when it ends. */
interface BackfillSummary {
  files: number;
  filesTotal: number;
  filesSkipped: number;
  records: number;
  accepted: number;
  deadLettered: number;
  interrupted: boolean;
}

const MAX_MESSAGES = 300;
const FILE_NAME =
  /^events_(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.json$/;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function summaryOf(result: CliResult): BackfillSummary {
  const line = result.stdout.trim().split('\n').pop();
  if (!line?.startsWith('{')) throw new Error(`no summary (exit ${result.code}): ${result.stderr}`);
  return JSON.parse(line) as BackfillSummary;
}

/** The event ids in the lake's raw files, by type. */
function lakeIds(stackDir: string): Record<string, string[]> {
  return Object.fromEntries(
    ['order', 'inventory', 'user_activity'].map((type) => [
      type,
      [
        ...new Set(lakeLines(lakeDirOf(stackDir), `output/${type}`).map((l) => eventIdOf(Buffer.from(l)))),
      ].sort(),
    ]),
  );
}

function merge(mixes: PublishedMix[]): PublishedMix {
  const byType = { order: 0, inventory: 0, user_activity: 0 };
  const messagesByType = { order: 0, inventory: 0, user_activity: 0 };
  const valid = new Map<string, EventType>();
  const invalid = new Map<string, ErrorCode>();
  for (const mix of mixes) {
    for (const [id, type] of mix.valid) valid.set(id, type);
    for (const [id, code] of mix.invalid) invalid.set(id, code);
    for (const type of ['order', 'inventory', 'user_activity'] as const) {
      byType[type] += mix.byType[type];
      messagesByType[type] += mix.messagesByType[type];
    }
  }
  return {
    valid,
    invalid,
    byType,
    messagesByType,
    invalidMessages: mixes.reduce((n, m) => n + m.invalidMessages, 0),
    total: mixes.reduce((n, m) => n + m.total, 0),
  };
}

/**
 * Issue 6, "done when": events published while `shopstream archive run` runs land in archive files,
 * byte for byte; the pipeline drains the same traffic; after the lake and the warehouse are wiped,
 * `shopstream backfill --from` the archive (a folder, s3:// and gs://) restores every view exactly,
 * twice adds nothing, and an interrupted backfill resumes from its checkpoint.
 */
describe('history archive and backfill end to end (embedded bus, file lake, DuckDB)', () => {
  let stack: LocalStack;
  let backupDir: string;
  let published: Buffer[];
  let mix: PublishedMix;
  let archiverRun: CliResult;
  let archiveStarted: number;
  let archiveEnded: number;
  let files: ArchiveFile[];
  let live: ViewSnapshot;
  let liveLake: Record<string, string[]>;
  /** Lines of the archive a backfill reads: every published message but the empty ones. */
  let archivedRecords: number;
  let archivedInvalid: number;

  const checkpoint = (name: string): string => join(stack.dir, 'checkpoints', `${name}.json`);

  beforeAll(async () => {
    stack = await createLocalStack({ extra: { 'archive.maxMessages': MAX_MESSAGES } });
    backupDir = join(stack.dir, 'backup');
    archiveStarted = Date.now() - 1_000;
    const archiver = startCli([...stack.flags, 'archive', 'run']);
    const bus = await openBus(stack.config.bus);
    await bus.start();
    const recording = recordingBus(bus);
    const mixes: PublishedMix[] = [];
    // 1,500 messages fill five files of MAX_MESSAGES exactly; the archiver is writing while we publish.
    mixes.push(await publishMix(recording.bus, stack.config.topic, { count: 500, seed: 1 }));
    await waitFor('the first archive file', () => existsSync(backupDir) && readArchive(backupDir).length > 0);
    mixes.push(await publishMix(recording.bus, stack.config.topic, { count: 500, seed: 2 }));
    await sleep(200);
    mixes.push(await publishMix(recording.bus, stack.config.topic, { count: 500, seed: 3 }));
    await waitFor('five full archive files', () => readArchive(backupDir).length === 5);
    // A few more stay in the open file until the archiver is stopped: SIGTERM must write them.
    mixes.push(await publishMix(recording.bus, stack.config.topic, { count: 37, seed: 4 }));
    await sleep(1_500);
    archiver.child.kill('SIGTERM');
    archiverRun = await archiver.done;
    archiveEnded = Date.now() + 1_000;
    await bus.close();
    published = recording.published;
    mix = merge(mixes);
    files = readArchive(backupDir);
    archivedRecords = published.filter((p) => p.length > 0).length;
    archivedInvalid = archivedRecords - (mix.total - mix.invalidMessages);

    await drainInProcess(stack.config);
    live = await snapshotViews(stack.config);
    liveLake = lakeIds(stack.dir);
  }, 120_000);
  afterAll(() => stack?.remove());

  it('archives every published payload byte for byte in events_<UTC date-time>_<uuid>.json files', async () => {
    expect(archiverRun.code, archiverRun.stderr).toBe(0);
    expect(JSON.parse(archiverRun.stdout.trim().split('\n').pop()!)).toMatchObject({
      messages: published.length,
      files: 6,
    });
    expect(files.map((f) => f.payloads.length).sort((a, b) => a - b)).toEqual([37, 300, 300, 300, 300, 300]);
    for (const file of files) {
      const match = FILE_NAME.exec(file.name);
      expect(match, file.name).not.toBeNull();
      // The date-time is the file's open time, in UTC, while the archiver ran.
      const openedAt = timeOfArchiveFile(file.name)!.getTime();
      expect(openedAt).toBeGreaterThanOrEqual(Math.floor(archiveStarted / 1000) * 1000);
      expect(openedAt).toBeLessThanOrEqual(archiveEnded);
    }
    expect(asMultiset(files.flatMap((f) => f.payloads))).toEqual(asMultiset(published));
    // Everything archived was acked: the history subscription is empty.
    const bus = await openBus(stack.config.bus);
    await bus.start();
    expect((await bus.describeSubscription(stack.config.historySubscription)).backlog).toBe(0);
    await bus.close();
  });

  it('drains the same traffic through the pipeline, every view populated', async () => {
    await expectEveryEventAccountedFor(stack.config, lakeDirOf(stack.dir), mix, { exactRaw: true });
    // The comparisons below mean something only if every view has rows.
    for (const [view, rows] of Object.entries(live)) expect(rows.length, view).toBeGreaterThan(0);
    // recent_errors keeps the latest 100 by ingestion time: comparable as a whole only below that.
    expect(mix.invalid.size).toBeLessThan(100);
  });

  it('restores every view exactly after the lake and the warehouse are wiped', async () => {
    await wipeLakeAndWarehouse(stack.config, stack.dir);
    expect((await rawCounts(stack.config)).orders).toBe(0);
    const result = await runCli([
      ...stack.flags,
      'backfill',
      '--from',
      backupDir,
      '--checkpoint',
      checkpoint('folder'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(summaryOf(result)).toMatchObject({
      files: 6,
      filesTotal: 6,
      filesSkipped: 0,
      records: archivedRecords,
      accepted: mix.total - mix.invalidMessages,
      deadLettered: archivedInvalid,
      interrupted: false,
    });
    expect(await snapshotViews(stack.config)).toEqual(live);
    expect(lakeIds(stack.dir)).toEqual(liveLake);
    // An archive keeps payloads only: a backfilled row's publish time is its file's open time.
    const fileTimes = [...new Set(files.map((f) => timeOfArchiveFile(f.name)!.toISOString()))].sort();
    const rows = await queryRows(
      stack.config,
      `SELECT DISTINCT publish_time FROM (SELECT publish_time FROM orders UNION ALL SELECT publish_time FROM inventory UNION ALL SELECT publish_time FROM user_activity UNION ALL SELECT publish_time FROM ingest_errors)`,
    );
    expect(rows.map((r) => new Date(r.publish_time as string).toISOString()).sort()).toEqual(fileTimes);
  });

  it('adds nothing to any view when run again, from the checkpoint or from scratch', async () => {
    const before = await rawCounts(stack.config);
    const again = await runCli([
      ...stack.flags,
      'backfill',
      '--from',
      backupDir,
      '--checkpoint',
      checkpoint('folder'),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(summaryOf(again)).toMatchObject({ filesSkipped: 6, records: 0 });
    expect(await rawCounts(stack.config)).toEqual(before);

    const restart = await runCli([
      ...stack.flags,
      'backfill',
      '--from',
      backupDir,
      '--checkpoint',
      checkpoint('folder'),
      '--restart',
    ]);
    expect(restart.code, restart.stderr).toBe(0);
    expect(summaryOf(restart)).toMatchObject({ filesSkipped: 0, records: archivedRecords });
    // Raw tables are at-least-once: every row twice now. The views are not.
    const after = await rawCounts(stack.config);
    for (const table of Object.keys(before)) expect(after[table], table).toBe(2 * before[table]!);
    expect(await snapshotViews(stack.config)).toEqual(live);
  });

  it('resumes an interrupted backfill (SIGINT) from its checkpoint instead of from zero', async () => {
    await wipeLakeAndWarehouse(stack.config, stack.dir);
    const path = checkpoint('interrupted');
    // Small batches make the run long enough to stop it between its files.
    const run = startCli([
      ...stack.flags,
      'backfill',
      '--from',
      backupDir,
      '--checkpoint',
      path,
      '--batch',
      '10',
    ]);
    await waitFor('the first finished file', () => existsSync(path), 60_000);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    const first = summaryOf(stopped);
    expect(first.interrupted).toBe(true);
    expect(first.files).toBeGreaterThanOrEqual(1);
    expect(first.files).toBeLessThan(6);
    const finished = (JSON.parse(readFileSync(path, 'utf8')) as { finished: string[] }).finished;
    expect(finished).toHaveLength(first.files);

    const resumed = await runCli([...stack.flags, 'backfill', '--from', backupDir, '--checkpoint', path]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const second = summaryOf(resumed);
    expect(second.filesSkipped).toBe(finished.length);
    expect(second.records).toBeLessThan(archivedRecords);
    expect(second.records).toBeGreaterThan(0);
    expect(await snapshotViews(stack.config)).toEqual(live);
  });

  it('restores every view from s3:// (plain and gzip objects) against a local S3 server', async () => {
    const s3 = await startS3Server({ buckets: ['history'] });
    try {
      // Every other file gzip-compressed, as archives copied to S3 often are.
      for (const [i, file] of files.entries()) {
        const data = readFileSync(join(backupDir, file.name));
        if (i % 2 === 0) await s3.putObject('history', `backup/${file.name}`, data);
        else await s3.putObject('history', `backup/${file.name}.gz`, gzipSync(data));
      }
      await s3.putObject('history', 'backup-old/decoy.json', published[0]!);
      await wipeLakeAndWarehouse(stack.config, stack.dir);
      const result = await runCli(
        [...stack.flags, 'backfill', '--from', 's3://history/backup/', '--checkpoint', checkpoint('s3')],
        s3.env,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(summaryOf(result)).toMatchObject({ filesTotal: 6, records: archivedRecords });
      expect(await snapshotViews(stack.config)).toEqual(live);
    } finally {
      await s3.close();
    }
  });

  it('restores every view from gs:// against a local Cloud Storage server', async () => {
    const gcs = await FakeGcsServer.start({ buckets: ['shop-archive'] });
    try {
      for (const file of files)
        gcs.putObject('shop-archive', `backup/${file.name}`, readFileSync(join(backupDir, file.name)));
      await wipeLakeAndWarehouse(stack.config, stack.dir);
      const result = await runCli(
        [...stack.flags, 'backfill', '--from', 'gs://shop-archive/backup', '--checkpoint', checkpoint('gs')],
        { STORAGE_EMULATOR_HOST: gcs.url },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(summaryOf(result)).toMatchObject({ filesTotal: 6, records: archivedRecords });
      expect(await snapshotViews(stack.config)).toEqual(live);
      expect(gcs.unsupported).toEqual([]);
    } finally {
      await gcs.close();
    }
  });
});
