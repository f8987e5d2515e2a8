import type { ReceivedMessage } from '../bus/message-bus.js';
import type { ContractOptions } from '../contract/contract-options.js';
import { MessageChecker } from '../contract/message-checker.js';
import type { Lake } from '../lake/lake.js';
import { Batch } from '../pipeline/batch.js';
import { BatchWriter } from '../pipeline/batch-writer.js';
import type { Logger } from '../telemetry/logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { timeOfArchiveFile } from './archive-file-name.js';
import type { BackfillCheckpoint } from './backfill-checkpoint.js';
import type { BackfillSource } from './sources/backfill-source.js';

export interface BackfillOptions {
  readonly source: BackfillSource;
  readonly lake: Lake;
  readonly warehouse: Warehouse;
  readonly checkpoint: BackfillCheckpoint;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  readonly contract?: ContractOptions;
  /** Records per write to the sinks. Default 50,000. */
  readonly batchRecords?: number;
  /** Failed writes of one batch before the backfill gives up (it can be resumed). Default 8. */
  readonly maxAttempts?: number;
  readonly onProgress?: (progress: BackfillProgress) => void;
  readonly signal?: AbortSignal;
}

export interface BackfillProgress {
  files: number;
  filesTotal: number;
  filesSkipped: number;
  bytes: number;
  bytesTotal: number;
  records: number;
  accepted: number;
  deadLettered: number;
}

/**
 * Replays archived NDJSON through the same contract, routing and sinks as the stream: each line is one
 * message, checked by the same {@link MessageChecker} and written by the same {@link BatchWriter} to the
 * lake, the warehouse and the DLQ. Files finished earlier (per the checkpoint) are skipped; running the
 * same backfill twice adds nothing to any view, since the views dedupe by event_id (a hash of the bytes).
 *
 * Archive files keep payloads only, so the publish time of a replayed record is the instant in its
 * file's name (when the file was opened), or the backfill's own start time.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillProgress> {
  const checker = new MessageChecker(options.contract);
  const writer = new BatchWriter(
    options.lake,
    options.warehouse,
    options.telemetry,
    `bf${Math.floor(Math.random() * 0xffffff).toString(16)}`,
  );
  const batchRecords = options.batchRecords ?? 50_000;
  const started = new Date();
  const files: { uri: string; size: number }[] = [];
  for await (const file of options.source.listFiles()) files.push(file);
  const progress: BackfillProgress = {
    files: 0,
    filesTotal: files.length,
    filesSkipped: 0,
    bytes: 0,
    bytesTotal: files.reduce((sum, f) => sum + f.size, 0),
    records: 0,
    accepted: 0,
    deadLettered: 0,
  };
  // One batch is written while the next is parsed and checked.
  let writing: Promise<void> = Promise.resolve();
  const write = async (batch: Batch): Promise<void> => {
    await writing;
    writing = writeWithRetry(writer, batch, options).then(() => {
      progress.accepted += batch.accepted.length;
      progress.deadLettered += batch.rejected.length;
    });
  };

  for (const file of files) {
    if (options.signal?.aborted) break;
    if (options.checkpoint.has(file.uri)) {
      progress.files++;
      progress.filesSkipped++;
      progress.bytes += file.size;
      continue;
    }
    const publishTime = timeOfArchiveFile(file.uri) ?? started;
    let batch = new Batch();
    let line = 0;
    for await (const data of options.source.openLines(file)) {
      line++;
      const message = replayedMessage(`${file.uri}#${line}`, data, publishTime);
      const checked = checker.check(data);
      if (checked.ok)
        batch.addAccepted(
          message,
          checked,
          checked.event.event_type === 'order' ? checked.event.order_date : checked.event.timestamp,
        );
      else batch.addRejected(message, checked.failure);
      progress.records++;
      if (batch.size >= batchRecords) {
        await write(batch);
        batch = new Batch();
        options.onProgress?.(progress);
        if (options.signal?.aborted) break;
      }
    }
    if (batch.size > 0) await write(batch);
    await writing;
    if (options.signal?.aborted) break;
    options.checkpoint.markFinished(file.uri);
    progress.files++;
    progress.bytes += file.size;
    options.onProgress?.(progress);
  }
  await writing;
  return progress;
}

async function writeWithRetry(writer: BatchWriter, batch: Batch, options: BackfillOptions): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      await writer.write(batch);
      return;
    } catch (error) {
      if (attempt >= maxAttempts) throw error;
      const backoff = Math.min(30_000, 250 * 2 ** attempt);
      options.logger.warn({ err: error, attempt, backoffMs: backoff }, 'backfill write failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

/** A line of an archive, dressed as a delivered message so it takes the stream's exact path. */
function replayedMessage(id: string, data: Buffer, publishTime: Date): ReceivedMessage {
  return {
    id,
    data,
    attributes: {},
    publishTime,
    deliveryAttempt: 1,
    ack() {},
    nack() {},
    modifyAckDeadline() {},
  };
}
