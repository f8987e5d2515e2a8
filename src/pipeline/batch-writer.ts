import type { Lake } from '../lake/lake.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { EVENT_TABLES, TABLE_OF_TYPE, rowOf, type EventTableName, type RowOf } from '../warehouse/rows.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Batch } from './batch.js';
import { deadLetterRecordOf, ingestErrorRowOf } from './dead-letter-record.js';
import { errorFileKey, eventFileKey, minuteOf } from './lake-layout.js';

function rowsOf(batch: Batch, ingestionTime: string): Record<EventTableName, RowOf<EventTableName>[]> {
  const rows: Record<EventTableName, RowOf<EventTableName>[]> = {
    orders: [],
    inventory: [],
    user_activity: [],
  };
  for (const { message, checked } of batch.accepted)
    rows[TABLE_OF_TYPE[checked.eventType]].push(
      rowOf(checked, message.publishTime.toISOString(), ingestionTime),
    );
  return rows;
}

/**
 * The rows as JSON texts. Where the message's own line holds exactly the row's fields (see
 * AcceptedMessage.lineIsRow) it is reused with the ingest columns spliced in front, which saves
 * building and serializing a row object per event on the hot path; otherwise the row is serialized.
 */
function jsonRowsOf(batch: Batch, ingestionTime: string): Record<EventTableName, string[]> {
  const lines: Record<EventTableName, string[]> = { orders: [], inventory: [], user_activity: [] };
  for (const { message, checked } of batch.accepted) {
    const publishTime = message.publishTime.toISOString();
    lines[TABLE_OF_TYPE[checked.eventType]].push(
      checked.lineIsRow
        ? `{"event_id":"${checked.eventId}","publish_time":"${publishTime}","ingestion_time":"${ingestionTime}",${checked.line.slice(1)}`
        : JSON.stringify(rowOf(checked, publishTime, ingestionTime)),
    );
  }
  return lines;
}

/** Which sink failed, so health and logs can name it. */
export class SinkError extends Error {
  constructor(
    readonly sink: 'lake' | 'warehouse' | 'dlq',
    readonly error: unknown,
  ) {
    super(`${sink}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/**
 * Makes one batch durable: raw lake files per (type, minute), warehouse rows per table, and the DLQ
 * (a lake file under output/errors plus ingest_errors rows). Resolves only when all of it is durable;
 * throws a {@link SinkError} otherwise, and then nothing of the batch may be acked.
 */
export class BatchWriter {
  private sequence = 0;

  constructor(
    private readonly lake: Lake,
    private readonly warehouse: Warehouse,
    private readonly telemetry: Telemetry,
    private readonly workerId: string,
  ) {}

  async write(batch: Batch): Promise<void> {
    const ingestionTime = new Date().toISOString();
    const shard = `${this.workerId}_${(this.sequence++).toString(36).padStart(6, '0')}`;
    // The lake and the warehouse are independent: write them concurrently.
    await Promise.all([
      this.writeLake(batch, shard),
      this.writeWarehouse(batch, ingestionTime),
      this.writeDeadLetters(batch, shard, ingestionTime),
    ]);
  }

  private async writeLake(batch: Batch, shard: string): Promise<void> {
    const started = performance.now();
    let bytes = 0;
    let records = 0;
    try {
      await Promise.all(
        [...batch.lakeBuffers.values()].map((buffer) => {
          bytes += buffer.bytes;
          records += buffer.lines.length;
          return this.lake.writeFile(
            eventFileKey(buffer.eventType, buffer.minute, shard),
            buffer.lines.join('\n') + '\n',
          );
        }),
      );
    } catch (error) {
      throw new SinkError('lake', error);
    }
    if (records > 0)
      this.telemetry.emit('sink:flushed', { sink: 'lake', records, bytes, ms: performance.now() - started });
  }

  private async writeWarehouse(batch: Batch, ingestionTime: string): Promise<void> {
    if (batch.accepted.length === 0) return;
    const started = performance.now();
    try {
      if (this.warehouse.appendJson) {
        // All at once: an adapter that commits in groups puts the tables in one transaction.
        const lines = jsonRowsOf(batch, ingestionTime);
        const appendJson = this.warehouse.appendJson.bind(this.warehouse);
        await Promise.all(
          EVENT_TABLES.filter((t) => lines[t].length > 0).map((t) => appendJson(t, lines[t])),
        );
      } else {
        // One table after another: each append is its own all-or-nothing write.
        const rows = rowsOf(batch, ingestionTime);
        for (const table of EVENT_TABLES)
          if (rows[table].length > 0) await this.warehouse.append(table, rows[table]);
      }
    } catch (error) {
      throw new SinkError('warehouse', error);
    }
    this.telemetry.emit('sink:flushed', {
      sink: 'warehouse',
      records: batch.accepted.length,
      bytes: 0,
      ms: performance.now() - started,
    });
  }

  private async writeDeadLetters(batch: Batch, shard: string, ingestionTime: string): Promise<void> {
    if (batch.rejected.length === 0) return;
    const started = performance.now();
    const records = batch.rejected.map(({ message, failure }) =>
      deadLetterRecordOf(message, failure, ingestionTime),
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

export function isSinkError(error: unknown): error is SinkError {
  return error instanceof SinkError;
}
