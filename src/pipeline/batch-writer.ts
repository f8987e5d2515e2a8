import type { ReceivedMessage } from '../bus/message-bus.js';
import type { Lake } from '../lake/lake.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { TABLE_OF_TYPE, type EventTableName } from '../warehouse/rows.js';
import type { AppendResult, Warehouse } from '../warehouse/warehouse.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { deadLetterRecordOf, ingestErrorRowOf } from './dead-letter-record.js';
import { errorFileKey, eventFileKey, minuteOf } from './lake-layout.js';
import { eventTypeOfOutcome, type PreparedBatch, type TableRows } from './prepared-batch.js';
import { WriteProgress, type RefusedMessage } from './write-progress.js';

/** Which sink failed (or the worker preparing the batch), so health and logs can name it. */
export class SinkError extends Error {
  constructor(
    readonly sink: 'prepare' | 'lake' | 'warehouse' | 'dlq',
    readonly error: unknown,
  ) {
    super(`${sink}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/** A batch's messages and what a worker made of them (see PreparePool). */
export interface PreparedBatchOf {
  readonly messages: readonly ReceivedMessage[];
  readonly prepared: PreparedBatch;
  /** What earlier attempts made durable; give the same one to every attempt of a batch. */
  readonly progress?: WriteProgress;
}

/**
 * Makes one prepared batch durable: raw lake files per (type, minute), warehouse rows per table, and
 * the DLQ (a lake file under output/errors plus ingest_errors rows). Resolves only when all of it is
 * durable; throws a {@link SinkError} otherwise, and then nothing of the batch may be acked.
 *
 * A row the warehouse refuses for good while it writes the others (see Warehouse.append) sends its
 * message to the DLQ with SHOP_E_SINK_ROW_REJECTED and the warehouse's words, as Dataflow's BigQuery
 * templates send such rows to their error table; write() resolves once that DLQ record is durable too,
 * with the batch as it ended up: those messages rejected, no longer accepted.
 */
export class BatchWriter {
  private sequence = 0;

  constructor(
    private readonly lake: Lake,
    private readonly warehouse: Warehouse,
    private readonly telemetry: Telemetry,
    private readonly workerId: string,
  ) {}

  async write(batch: PreparedBatchOf): Promise<PreparedBatch> {
    const progress = batch.progress ?? new WriteProgress();
    const { prepared } = batch;
    // The sinks are independent: write them concurrently, and let every one settle before reporting
    // a failure, so a retry never overlaps a write still running from this attempt.
    await settleAll([
      progress.once('lake', () => this.writeLake(prepared)),
      this.writeWarehouse(prepared, progress),
      this.writeDeadLetters(batch.messages, prepared.rejected, progress, 'dlq'),
    ]);
    if (progress.refused.length === 0) return prepared;
    await this.writeDeadLetters(batch.messages, progress.refused, progress, 'refused');
    return withRefused(prepared, progress.refused);
  }

  /** `{worker}_{sequence}`: unique per worker and file group, so no two writes share a lake key. */
  private nextShard(): string {
    return `${this.workerId}_${(this.sequence++).toString(36).padStart(6, '0')}`;
  }

  private async writeLake(prepared: PreparedBatch): Promise<void> {
    if (prepared.lakeFiles.length === 0) return;
    const shard = this.nextShard();
    const started = performance.now();
    let bytes = 0;
    let records = 0;
    try {
      await Promise.all(
        prepared.lakeFiles.map((file) => {
          bytes += file.bytes.length;
          records += file.records;
          return this.lake.writeFile(eventFileKey(file.eventType, file.minute, shard), file.bytes);
        }),
      );
    } catch (error) {
      throw new SinkError('lake', error);
    }
    this.telemetry.emit('sink:flushed', { sink: 'lake', records, bytes, ms: performance.now() - started });
  }

  /** Appends each table not yet durable; rows the warehouse refuses go to `progress.refused`. */
  private async writeWarehouse(prepared: PreparedBatch, progress: WriteProgress): Promise<void> {
    const tables = prepared.tables.filter(({ table }) => !progress.has(`table:${table}`));
    if (tables.length === 0) return;
    const started = performance.now();
    // All at once: an adapter that commits in groups puts the tables in one transaction.
    const results = await Promise.allSettled(tables.map((rows) => this.appendTable(rows)));
    let failure: unknown;
    let records = 0;
    results.forEach((result, i) => {
      const { table, rows } = tables[i]!;
      if (result.status === 'rejected') {
        failure ??= result.reason;
        return;
      }
      progress.markDurable(`table:${table}`);
      records += rows - result.value.rejected.length;
      if (result.value.rejected.length === 0) return;
      const messageOfRow = messagesOfTable(prepared, table);
      for (const { index, message } of result.value.rejected)
        progress.refused.push({
          index: messageOfRow[index]!,
          failure: {
            code: 'SHOP_E_SINK_ROW_REJECTED',
            path: '',
            message: `warehouse table ${table} refused the row: ${message}`,
          },
        });
    });
    if (failure !== undefined) throw new SinkError('warehouse', failure);
    this.telemetry.emit('sink:flushed', {
      sink: 'warehouse',
      records,
      bytes: tables.reduce((sum, t) => sum + ('encoded' in t ? t.encoded.bytes : t.ndjson).length, 0),
      ms: performance.now() - started,
    });
  }

  /** Appends a table's rows the way the warehouse asked the workers to lay them out. */
  private appendTable(rows: TableRows): Promise<AppendResult> {
    if (!('encoded' in rows)) return this.warehouse.appendNdjson(rows.table, rows.ndjson, rows.rows);
    if (!this.warehouse.appendEncoded)
      return Promise.reject(
        new ShopstreamError('SHOP_E_INTERNAL', `${this.warehouse.uri} takes no encoded rows`),
      );
    return this.warehouse.appendEncoded(rows.table, rows.encoded);
  }

  /** The DLQ records of `rejected`: a lake file under output/errors, then ingest_errors rows. */
  private async writeDeadLetters(
    messages: readonly ReceivedMessage[],
    rejected: readonly RefusedMessage[],
    progress: WriteProgress,
    part: string,
  ): Promise<void> {
    if (rejected.length === 0 || progress.has(`${part}:table`)) return;
    const started = performance.now();
    const ingestionTime = new Date().toISOString();
    const records = rejected.map(({ index, failure }) =>
      deadLetterRecordOf(messages[index]!, failure, ingestionTime),
    );
    const content = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    try {
      await progress.once(`${part}:lake`, () =>
        this.lake.writeFile(errorFileKey(minuteOf(ingestionTime), this.nextShard()), content),
      );
      await progress.once(`${part}:table`, () => this.warehouse.appendErrors(records.map(ingestErrorRowOf)));
    } catch (error) {
      throw new SinkError('dlq', error);
    }
    this.telemetry.emit('sink:flushed', {
      sink: 'dlq',
      records: records.length,
      bytes: content.length,
      ms: performance.now() - started,
    });
  }
}

/** Waits for every write; then throws the first failure, if any. */
async function settleAll(writes: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** The batch index of each row of a table's rows: they were laid out in message order. */
function messagesOfTable(prepared: PreparedBatch, table: EventTableName): number[] {
  const indexes: number[] = [];
  prepared.outcomes.forEach((outcome, index) => {
    const eventType = eventTypeOfOutcome(outcome);
    if (eventType && TABLE_OF_TYPE[eventType] === table) indexes.push(index);
  });
  return indexes;
}

/** The batch with the refused messages moved from accepted to rejected. */
function withRefused(prepared: PreparedBatch, refused: readonly RefusedMessage[]): PreparedBatch {
  const outcomes = prepared.outcomes.slice();
  for (const { index } of refused) outcomes[index] = 0;
  return { ...prepared, outcomes, rejected: [...prepared.rejected, ...refused] };
}
