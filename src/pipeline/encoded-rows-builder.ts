import type { RowEncoder, TableRowEncoder } from '../warehouse/row-encoding.js';
import { EVENT_TABLES, type EventTableName, type RowOf } from '../warehouse/rows.js';
import type { EncodedTableRows } from './prepared-batch.js';

/**
 * A batch's rows as the warehouse's row encoder serializes them (see RowEncoding): one table encoder
 * per table that has rows, made when its first row comes.
 */
export class EncodedRowsBuilder {
  private readonly tables = new Map<EventTableName, { encoder: TableRowEncoder; rows: number }>();

  constructor(private readonly rowEncoder: RowEncoder) {}

  add(table: EventTableName, row: RowOf<EventTableName>): void {
    let entry = this.tables.get(table);
    if (!entry) this.tables.set(table, (entry = { encoder: this.rowEncoder.forTable(table), rows: 0 }));
    entry.encoder.add(row);
    entry.rows++;
  }

  /** Each table's rows, in EVENT_TABLES order. */
  finish(): EncodedTableRows[] {
    return EVENT_TABLES.flatMap((table) => {
      const entry = this.tables.get(table);
      return entry ? [{ table, encoded: entry.encoder.finish(), rows: entry.rows }] : [];
    });
  }
}
