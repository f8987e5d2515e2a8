import { MessageChecker } from '../contract/message-checker.js';
import type { ContractOptions } from '../contract/contract-options.js';
import type { BackfillSource } from '../archive/sources/backfill-source.js';
import type { Lake } from '../lake/lake.js';
import type { SqlDialect } from '../warehouse/dialects/sql-dialect.js';
import { readArchive } from './archive-side.js';
import { readLake } from './lake-side.js';
import { Ledger, type ReconcileReport } from './ledger.js';
import { compileReconcileOptions, type ReconcileOptions } from './reconcile-options.js';
import type { ReconcileProgressListener } from './reconcile-progress.js';
import { readWarehouse, type QueryFunction } from './warehouse-side.js';

/** The longest a Cloud Storage subscription keeps an archive file open (its max_duration's limit). */
const LONGEST_ARCHIVE_FILE_MS = 10 * 60_000;

/** The ports a reconcile reads: the same as the pipeline and backfill use. */
export interface ReconcileDependencies {
  /** The history archive (what entered). */
  readonly archive: BackfillSource;
  readonly lake: Lake;
  /** Read-only SQL against the warehouse (`ingest_errors` is the DLQ). */
  readonly query: QueryFunction;
  readonly dialect: SqlDialect;
  /** The pipeline's contract settings, so the archive is classified as the pipeline classified it. */
  readonly contract?: ContractOptions;
}

/**
 * The ledger of a time range: per event type and bucket, what entered (the history archive), what
 * the lake and the warehouse hold (distinct event_id) and what was dead-lettered; balanced when
 * archived = in the warehouse + dead-lettered and the lake holds everything the warehouse does.
 *
 * @example
 * const report = await reconcile(
 *   { archive, lake, query: (sql) => warehouse.query(sql), dialect: DUCKDB_DIALECT },
 *   { from: new Date('2026-12-03T00:00:00Z'), by: 'hour' },
 * );
 * if (!report.balanced) console.log(report.gaps.missing.first);
 */
export async function reconcile(
  deps: ReconcileDependencies,
  options: ReconcileOptions = {},
  onProgress: ReconcileProgressListener = () => undefined,
): Promise<ReconcileReport> {
  const compiled = compileReconcileOptions(options);
  const ledger = new Ledger(compiled);
  // Read the archive from earlier than the range: a producer's clock may run ahead of the archiver's,
  // and a file is named after the time it was opened, before what it holds arrived.
  const readFromMs = compiled.fromMs - compiled.clockSkewMs - LONGEST_ARCHIVE_FILE_MS;
  const aliases = await readArchive(
    deps.archive,
    new MessageChecker(deps.contract),
    ledger,
    readFromMs,
    onProgress,
  );
  await readLake(deps.lake, ledger, compiled, aliases, onProgress);
  await readWarehouse(deps.query, deps.dialect, ledger, { ...compiled, dlqFromMs: readFromMs }, onProgress);
  return ledger.settle();
}
