import type { Lake } from '../lake/lake.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { ReceivedMessage } from '../bus/message-bus.js';
import { deadLetterRecordOf, ingestErrorRowOf } from './dead-letter-record.js';
import { errorFileKey, eventFileKey, minuteOf } from './lake-layout.js';
import type { PreparedBatch } from './prepared-batch.js';

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
}

/**
 * Makes one prepared batch durable: raw lake files per (type, minute), warehouse rows per table, and
 * the DLQ (a lake file under output/errors plus ingest_errors rows). Resolves only when all of it is
 * durable; throws a {@link SinkError} otherwise, and then nothing of the batch may be acked.
 */
export class BatchWriter {
  private sequence = 0;

  constructor(
    private readonly lake: Lake,
    private readonly warehouse: Warehouse,
    private readonly telemetry: Telemetry,
    private readonly workerId: string,
  ) {}

  async write(batch: PreparedBatchOf): Promise<void> {
    const shard = `${this.workerId}_${(this.sequence++).toString(36).padStart(6, '0')}`;
    // The sinks are independent: write them concurrently.
    await Promise.all([
      this.writeLake(batch.prepared, shard),
      this.writeWarehouse(batch.prepared),
      this.writeDeadLetters(batch, shard),
    ]);
  }

  private async writeLake(prepared: PreparedBatch, shard: string): Promise<void> {
    if (prepared.lakeFiles.length === 0) return;
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

  private async writeWarehouse(prepared: PreparedBatch): Promise<void> {
    if (prepared.tables.length === 0) return;
    const started = performance.now();
    try {
      // All at once: an adapter that commits in groups puts the tables in one transaction.
      await Promise.all(
        prepared.tables.map(({ table, ndjson, rows }) => this.warehouse.appendNdjson(table, ndjson, rows)),
      );
    } catch (error) {
      throw new SinkError('warehouse', error);
    }
    this.telemetry.emit('sink:flushed', {
      sink: 'warehouse',
      records: prepared.tables.reduce((sum, t) => sum + t.rows, 0),
      bytes: prepared.tables.reduce((sum, t) => sum + t.ndjson.length, 0),
      ms: performance.now() - started,
    });
  }

  private async writeDeadLetters(batch: PreparedBatchOf, shard: string): Promise<void> {
    if (batch.prepared.rejected.length === 0) return;
    const started = performance.now();
    const ingestionTime = new Date().toISOString();
    const records = batch.prepared.rejected.map(({ index, failure }) =>
      deadLetterRecordOf(batch.messages[index]!, failure, ingestionTime),
    );
    const content = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    try {
      await this.lake.writeFile(errorFileKey(minuteOf(ingestionTime), shard), content);
      await this.warehouse.appendErrors(records.map(ingestErrorRowOf));
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
