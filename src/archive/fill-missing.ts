import { ShopstreamError } from '../errors/shopstream-error.js';
import { PreparePool, defaultPrepareWorkers, type WorkerContractOptions } from '../pipeline/prepare-pool.js';
import type { FillTarget } from '../warehouse/migration/fill-target.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { timeOfArchiveFile } from './archive-file-name.js';
import type { BackfillSource } from './sources/backfill-source.js';

/** Options of {@link runFillMissing}. */
export interface FillMissingOptions {
  readonly source: BackfillSource;
  readonly warehouse: Warehouse;
  /** The columns to fill (see parseFillTarget). */
  readonly targets: readonly FillTarget[];
  readonly contract?: WorkerContractOptions;
  readonly prepareWorkers?: number;
  /** Records checked and filled at a time; default 20,000. */
  readonly batchRecords?: number;
  readonly onProgress?: (progress: FillMissingProgress) => void;
  readonly signal?: AbortSignal;
}

/** How far a fill got. */
export interface FillMissingProgress {
  files: number;
  filesTotal: number;
  records: number;
  /** Records the current contract accepts: the events whose rows can be filled. */
  accepted: number;
  /** Records the contract refuses (they are in the DLQ already; a fill writes no DLQ). */
  rejected: number;
  /** Rows updated, per target (`orders.coupon_code`). */
  updated: Record<string, number>;
}

/**
 * `backfill --fill-missing`: reads archived events again, checks them with the current contract (the
 * same checker and row layout as the stream, on worker threads), and fills the target columns in the
 * rows stored before the contract had them, in place (Warehouse.fillMissing). Nothing is appended to
 * the warehouse, the lake or the DLQ, so views stay exactly-once; running it again changes nothing
 * (rows that have the value are left alone), so it needs no checkpoint.
 */
export async function runFillMissing(options: FillMissingOptions): Promise<FillMissingProgress> {
  const pool = new PreparePool(options.prepareWorkers ?? defaultPrepareWorkers(), options.contract ?? {});
  const progress: FillMissingProgress = {
    files: 0,
    filesTotal: 0,
    records: 0,
    accepted: 0,
    rejected: 0,
    updated: Object.fromEntries(options.targets.map((t) => [`${t.table}.${t.path}`, 0])),
  };
  const batchRecords = options.batchRecords ?? 20_000;
  let batch: { data: Buffer; publishTime: Date }[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const prepared = await pool.prepare(batch);
    batch = [];
    progress.rejected += prepared.rejected.length;
    for (const rows of prepared.tables) {
      // (The pool makes NDJSON, its default: a fill reads the rows as JSON, whatever the warehouse.)
      if (!('ndjson' in rows)) throw new ShopstreamError('SHOP_E_INTERNAL', 'fill: rows are not NDJSON');
      progress.accepted += rows.rows;
      for (const target of options.targets.filter((t) => t.table === rows.table))
        progress.updated[`${target.table}.${target.path}`]! += await options.warehouse.fillMissing(
          target,
          rows.ndjson,
        );
    }
    options.onProgress?.(progress);
  };
  try {
    const files = [];
    for await (const file of options.source.listFiles()) files.push(file);
    progress.filesTotal = files.length;
    const started = new Date();
    for (const file of files) {
      if (options.signal?.aborted) break;
      const publishTime = timeOfArchiveFile(file.uri) ?? started;
      for await (const data of options.source.openLines(file)) {
        batch.push({ data, publishTime });
        progress.records++;
        if (batch.length >= batchRecords) await flush();
      }
      progress.files++;
    }
    await flush();
    return progress;
  } finally {
    await pool.close();
  }
}
