import { ShopstreamError } from '../../src/errors/shopstream-error.js';
import type { FillTarget } from '../../src/warehouse/migration/fill-target.js';
import type { EnsureSchemaOptions, SchemaMigration } from '../../src/warehouse/migration/schema-migration.js';
import type { ReferenceData } from '../../src/warehouse/reference-data.js';
import type { EncodedRows, RowEncoding } from '../../src/warehouse/row-encoding.js';
import type { EventTableName, IngestErrorRow, RowOf } from '../../src/warehouse/rows.js';
import type { AppendResult, QueryResult, Warehouse } from '../../src/warehouse/warehouse.js';

/**
 * A {@link Warehouse} in front of a real one whose writes fail for a while: during a fault window
 * `append`, `appendNdjson`, `appendEncoded` and `appendErrors` throw a retryable SHOP_E_WAREHOUSE_UNAVAILABLE (what the
 * DuckDB adapter throws for a locked or broken file) without touching the real warehouse; outside it,
 * and for every other call, the real warehouse does the work. `hang()` makes writes never settle
 * instead, as over a connection that stopped answering.
 *
 * @example
 * const warehouse = new FlakyWarehouse(await openWarehouse(config.warehouse));
 * warehouse.failFor(5_000);
 */
export class FlakyWarehouse implements Warehouse {
  /** Writes refused by the fault, and writes passed to the real warehouse. */
  refusedWrites = 0;
  passedWrites = 0;
  private failingUntil = 0;
  private hanging = false;

  constructor(readonly inner: Warehouse) {}

  get uri(): string {
    return this.inner.uri;
  }

  get rowEncoding(): RowEncoding {
    return this.inner.rowEncoding;
  }

  /** Writes fail from now for `ms` milliseconds. */
  failFor(ms: number): void {
    this.failingUntil = Date.now() + ms;
  }

  /** From now on every write waits forever, neither failing nor succeeding. */
  hang(): void {
    this.hanging = true;
  }

  get failing(): boolean {
    return Date.now() < this.failingUntil;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  ensureSchema(options?: EnsureSchemaOptions): Promise<SchemaMigration> {
    return this.inner.ensureSchema(options);
  }

  fillMissing(target: FillTarget, ndjson: Uint8Array): Promise<number> {
    return this.inner.fillMissing(target, ndjson);
  }

  loadReferenceData(data: ReferenceData): Promise<void> {
    return this.inner.loadReferenceData(data);
  }

  async append<T extends EventTableName>(table: T, rows: readonly RowOf<T>[]): Promise<AppendResult> {
    await this.check(`append to ${table}`);
    return this.inner.append(table, rows);
  }

  async appendNdjson(table: EventTableName, ndjson: Uint8Array, rowCount: number): Promise<AppendResult> {
    await this.check(`append to ${table}`);
    return this.inner.appendNdjson(table, ndjson, rowCount);
  }

  async appendEncoded(table: EventTableName, rows: EncodedRows): Promise<AppendResult> {
    await this.check(`append to ${table}`);
    if (!this.inner.appendEncoded) throw new Error(`${this.inner.uri} takes no encoded rows`);
    return this.inner.appendEncoded(table, rows);
  }

  async appendErrors(rows: readonly IngestErrorRow[]): Promise<void> {
    await this.check('append to ingest_errors');
    await this.inner.appendErrors(rows);
  }

  query(sql: string): Promise<QueryResult> {
    return this.inner.query(sql);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async check(what: string): Promise<void> {
    if (this.hanging) await new Promise<never>(() => undefined);
    if (this.failing) {
      this.refusedWrites++;
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_UNAVAILABLE',
        `${this.uri}: ${what} failed: injected outage`,
        {
          retryable: true,
          context: { uri: this.uri },
        },
      );
    }
    this.passedWrites++;
  }
}
