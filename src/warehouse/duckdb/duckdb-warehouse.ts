import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import {
  duckDbCatalogStatements,
  duckDbString,
  duckDbType,
  quoteIdentifier,
} from '../dialects/duckdb-ddl.js';
import { breakingChangeError } from '../migration/breaking-change-error.js';
import type { FillTarget } from '../migration/fill-target.js';
import type { EnsureSchemaOptions, SchemaMigration } from '../migration/schema-migration.js';
import { ENUMERATIONS } from '../model/enumerations.js';
import type { TableModel } from '../model/table-model.js';
import { tableNamed } from '../model/tables.js';
import type { ReferenceData } from '../reference-data.js';
import { NDJSON_ROWS } from '../row-encoding.js';
import { EVENT_TABLES, type EventTableName, type IngestErrorRow, type RowOf } from '../rows.js';
import { ALL_WRITTEN, type AppendResult, type QueryResult, type Warehouse } from '../warehouse.js';
import { attachedCatalogName } from './attached-catalog-name.js';
import { confineToWarehouse } from './confine-to-warehouse.js';
import { DuckDBInstance } from './duckdb-api.js';
import { duckDbError, isFatalDuckDbError, type DuckDbFailureContext } from './duckdb-error.js';
import { fillMissingInDuckDb } from './duckdb-fill-missing.js';
import { planDuckDbSchema } from './duckdb-schema-plan.js';
import { readDuckDbColumns } from './duckdb-stored-columns.js';
import { NdjsonStage } from './ndjson-stage.js';
import { plainValue } from './plain-value.js';

/** Options of a {@link DuckDbWarehouse}. */
export interface DuckDbWarehouseOptions {
  /** The URI it was opened from (`duckdb:./data/warehouse.duckdb`), for messages. */
  readonly uri: string;
  /** The database file; its folders are created. `:memory:` keeps everything in memory. */
  readonly path: string;
  /**
   * DuckDB's memory limit (its buffer pool; larger queries spill to a temp folder next to the file).
   * Default `64MB`: appends need little beyond read_json's buffer (2 × MAX_ROW_BYTES, which counts
   * against it), and it keeps a 1,000,000-event drain's pipeline under 512 MB of RSS.
   */
  readonly memoryLimit?: string;
  /**
   * DuckDB's worker threads. Default 1: in the pipeline the other cores run its own threads (the
   * main thread and the workers that check events), and a bulk insert gains little from more threads
   * while it contends with them — on 2 cores, a 300,000-event drain went from 94k to 108k events/s
   * with 1 thread instead of 2. Queries then run on one core, which the model's views on a local
   * warehouse do in well under a second.
   */
  readonly threads?: number;
  /**
   * DuckDB checkpoints (writes the WAL's changes into the file, compressed) when the WAL reaches
   * this. Default `256MB`: DuckDB's own default, 16 MB, checkpoints every few ten thousand appended
   * events and rewrites the table's last, partly filled row group each time — appending 300,000
   * events cost 5.5 µs of CPU per row with it and 3.3 at 256 MB. A crash recovery then replays at
   * most 256 MB of WAL. A checkpoint holds the appends that follow it (bench/duckdb-checkpoint-stall.ts
   * measures how long).
   */
  readonly checkpointThreshold?: string;
  /**
   * Rows per row group of the data appended from now on; default DuckDB's, 122,880. A checkpoint
   * holds the appends after it while it writes; with 16,384 rows and a 16MB checkpoint threshold
   * together, 1,500,000 events in rounds of 2,500 (bench/duckdb-checkpoint-stall.ts) waited at most
   * 692 ms for one, against 2,683 ms at the defaults (and 3,831 ms with the small row group alone),
   * for a larger file (+43 %). The size is not recorded in the file: opened later without it, the
   * file reads as it is, and a checkpoint after new writes may merge the small row groups into ones
   * of the default size. When set, the file is attached to an in-memory instance (DuckDB takes the
   * size only on ATTACH) under the name it would have had (see attachedCatalogName). After a fatal
   * error such a file says "Checkpoint failed … has been invalidated" rather than "FATAL Error"; it is
   * reopened all the same (tested on a full disk).
   */
  readonly rowGroupSize?: number;
  /**
   * Closes the database and opens it again once this many rows were appended since it opened. DuckDB
   * keeps the metadata of every row group it wrote in memory until the database closes (it has no way
   * to unload it: duckdb/duckdb#22255), so a long-running pipeline's memory grows with the rows it
   * stored, the faster the smaller the row group (bench/duckdb-checkpoint-stall.ts prints what the
   * open database holds): 2.27 MB/min at 5,000 events/s with 16,384-row groups in a 30-minute soak.
   * The reopen drops what the database holds; its close checkpoints the WAL's rest, which the appends
   * after it wait for (in the soaks it did not keep the memory flat: docs/soak.md). Default never. An
   * in-memory warehouse is never reopened this way: its rows would be gone.
   */
  readonly reopenAfterRows?: number;
  /**
   * Folders whose files queries may read (`read_json('data/lake/output/order/**\/*.json')`), for
   * example the local lake and archive. Nothing else outside the database is reachable: see
   * {@link confineToWarehouse}. Default none.
   */
  readonly readableDirectories?: readonly string[];
}

// read_json refuses a larger JSON object than this, and allocates buffers of twice it per thread, so
// it is kept at DuckDB's default. A row is never larger than its message, which contract.maxMessageBytes
// caps (1 MiB by default; Pub/Sub's own limit, 10 MB, also fits).
const MAX_ROW_BYTES = 16 * 1024 * 1024;

/**
 * The warehouse in a local DuckDB file: the model's tables and views, fast bulk appends of nested
 * rows, and SQL queries.
 *
 * One process writes the file (DuckDB locks it; a second process gets a retryable
 * SHOP_E_WAREHOUSE_UNAVAILABLE). Inside the process, every write runs on one connection, one after
 * another, each as one transaction: an append is all or nothing. Queries use a second connection, so
 * a dashboard query does not wait for an append.
 *
 * @example
 * const warehouse = new DuckDbWarehouse({ uri: 'duckdb:./data/warehouse.duckdb', path: './data/warehouse.duckdb' });
 * await warehouse.start();
 * await warehouse.ensureSchema();
 * await warehouse.append('orders', rows);
 * const { rows: sales } = await warehouse.query('SELECT * FROM daily_sales_by_country');
 */
export class DuckDbWarehouse implements Warehouse {
  readonly uri: string;
  /** The pipeline hands it NDJSON, which read_json loads as it is (see appendNdjson). */
  readonly rowEncoding = NDJSON_ROWS;
  private readonly path: string;
  private readonly memoryLimit: string;
  private readonly threads: number;
  private readonly checkpointThreshold: string;
  private readonly rowGroupSize: number | undefined;
  private readonly reopenAfterRows: number | undefined;
  /** Rows appended since the database was opened; see reopenAfterRows. */
  private rowsSinceOpen = 0;
  private readonly readableDirectories: readonly string[];
  private instance: DuckDBInstance | undefined;
  private writer: DuckDBConnection | undefined;
  private reader: DuckDBConnection | undefined;
  private stage: NdjsonStage | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private reads: Promise<unknown> = Promise.resolve();
  /** Closing and opening the database again after DuckDB invalidated it; see reopenAfterFatalError. */
  private reopening: Promise<void> | undefined;
  /** Why the last reopen failed; the next write or query tries again. */
  private reopenFailure: unknown;
  private reopenCount = 0;
  private plannedReopenCount = 0;
  /** appendNdjson calls waiting for the writer; see appendNdjson. */
  private readonly pendingNdjson: {
    table: EventTableName;
    ndjson: Uint8Array;
    rowCount: number;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(options: DuckDbWarehouseOptions) {
    this.uri = options.uri;
    this.path = options.path === ':memory:' ? options.path : resolve(options.path);
    this.memoryLimit = options.memoryLimit ?? '64MB';
    this.threads = options.threads ?? 1;
    this.checkpointThreshold = options.checkpointThreshold ?? '256MB';
    // The row group size goes into the ATTACH statement's text: only a whole number may.
    this.rowGroupSize = this.wholeRows('rowGroupSize', options.rowGroupSize, "DuckDB's default is 122880");
    this.reopenAfterRows = this.wholeRows('reopenAfterRows', options.reopenAfterRows, 'default: never');
    this.readableDirectories = (options.readableDirectories ?? []).map((dir) => resolve(dir));
  }

  private wholeRows(name: string, rows: number | undefined, fallback: string): number | undefined {
    if (rows !== undefined && !(Number.isSafeInteger(rows) && rows > 0))
      throw new ShopstreamError(
        'SHOP_E_CONFIG_INVALID',
        `${this.uri}: ${name} ${rows} is not a positive whole number of rows (${fallback})`,
        { retryable: false, context: { [name]: rows } },
      );
    return rows;
  }

  /** How many times the database was closed and opened again after DuckDB invalidated it. */
  get reopens(): number {
    return this.reopenCount;
  }

  /** How many times the database was closed and opened again after reopenAfterRows rows. */
  get plannedReopens(): number {
    return this.plannedReopenCount;
  }

  async start(): Promise<void> {
    if (this.instance) return;
    const context: DuckDbFailureContext = { action: 'start', path: this.path };
    try {
      if (this.path !== ':memory:') await mkdir(dirname(this.path), { recursive: true });
      // The staging folder first: queries are confined to it (and the readable folders) on open.
      this.stage ??=
        this.path === ':memory:'
          ? await NdjsonStage.inTempDir()
          : await NdjsonStage.besideDatabase(this.path);
      await this.open();
      // DuckDB's lock on the file is ours now, so what is staged beside it was left by a dead process.
      await this.stage.removeLeftovers();
    } catch (error) {
      // A folder beside the file may be the stage of the process that holds the lock: leave it.
      if (this.stage?.isPrivate) await this.stage.close();
      this.stage = undefined;
      throw duckDbError(error, context);
    }
  }

  /** Opens the database with its two connections, confined to the warehouse (see confineToWarehouse). */
  private async open(): Promise<void> {
    // DuckDB's buffer pool may take 80 % of the machine's memory by default; cap it so a long run's
    // memory stays flat (larger queries spill to a temp folder next to the file).
    const attach = this.rowGroupSize !== undefined;
    const instance = await DuckDBInstance.create(attach ? ':memory:' : this.path, {
      memory_limit: this.memoryLimit,
      threads: String(this.threads),
      checkpoint_threshold: this.checkpointThreshold,
      // DuckDB's spill folder for a file it opens itself; an in-memory instance would spill to ./.tmp.
      ...(attach && this.path !== ':memory:' ? { temp_directory: `${this.path}.tmp` } : {}),
    });
    try {
      const writer = await this.connect(instance);
      const reader = await this.connect(instance);
      if (attach) {
        const catalog = quoteIdentifier(attachedCatalogName(this.path));
        await writer.run(
          `ATTACH ${duckDbString(this.path)} AS ${catalog} (ROW_GROUP_SIZE ${this.rowGroupSize})`,
        );
        for (const connection of [writer, reader]) await connection.run(`USE ${catalog}`);
      }
      await confineToWarehouse(writer, [this.stage!.dir, ...this.readableDirectories]);
      await reader.run('SELECT 1');
      [this.instance, this.writer, this.reader] = [instance, writer, reader];
      this.rowsSinceOpen = 0;
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /**
   * After a fatal error (a checkpoint that could not write the file on a full disk, for example)
   * DuckDB invalidates the database: every later statement on this instance fails. Closing it and
   * opening the file again replays the WAL, so every committed row is back, and the failed write is
   * retried by its caller. See reopen.
   */
  private reopenAfterFatalError(): void {
    this.reopen(() => this.reopenCount++);
  }

  /**
   * Counts appended rows, and reopens the database once there are reopenAfterRows of them — not an
   * in-memory one, whose rows would go with the instance.
   */
  private appended(rows: number): void {
    this.rowsSinceOpen += rows;
    if (
      this.reopenAfterRows !== undefined &&
      this.rowsSinceOpen >= this.reopenAfterRows &&
      this.path !== ':memory:'
    )
      this.reopen(() => this.plannedReopenCount++);
  }

  /**
   * Closes the database and opens it again. Runs once every write and query queued so far has
   * settled, and holds back those queued after it, so no statement meets a half-closed database. A
   * failed open is kept in reopenFailure; the next statement tries again.
   */
  private reopen(onReopened: () => void): void {
    if (this.reopening || !this.stage) return;
    const earlier = Promise.allSettled([this.writes, this.reads]);
    const reopening = earlier
      .then(async () => {
        for (const closable of [this.writer, this.reader, this.instance]) {
          try {
            closable?.closeSync();
          } catch {
            // An invalidated database may refuse even this; the new instance replaces it anyway.
          }
        }
        this.writer = this.reader = this.instance = undefined;
        try {
          await this.open();
          this.reopenFailure = undefined;
          onReopened();
        } catch (error) {
          this.reopenFailure = error;
        }
      })
      .finally(() => {
        if (this.reopening === reopening) this.reopening = undefined;
      });
    this.reopening = reopening;
    this.writes = this.reads = reopening;
  }

  /** The typed error for a failure; a fatal one also starts closing and opening the database again. */
  private failure(error: unknown, context: DuckDbFailureContext): ShopstreamError {
    if (isFatalDuckDbError(error)) this.reopenAfterFatalError();
    return duckDbError(error, context);
  }

  /**
   * Creates the tables and views of the model, and migrates a file made by an earlier contract: reads
   * its columns from information_schema, adds what the model has gained (nested fields too) in one
   * transaction, re-creates every view and re-applies the descriptions. A difference that is not an
   * addition is refused with SHOP_E_WAREHOUSE_BREAKING_CHANGE before anything changes. A dry run
   * plans only.
   */
  async ensureSchema(options: EnsureSchemaOptions = {}): Promise<SchemaMigration> {
    const dryRun = options.dryRun === true;
    let migration: SchemaMigration | undefined;
    await this.write({ action: 'ensureSchema', path: this.path }, async (connection) => {
      const plan = planDuckDbSchema(await readDuckDbColumns(connection));
      if (plan.conflicts.length > 0) throw breakingChangeError(this.uri, plan.conflicts);
      migration = {
        dryRun,
        steps: [...plan.tableSteps, ...plan.catalogSteps],
        addedColumns: plan.addedColumns,
      };
      if (dryRun) return;
      await this.transaction(connection, async () => {
        for (const step of plan.tableSteps) await connection.run(step.statement);
      });
      for (const statement of duckDbCatalogStatements()) await connection.run(statement);
      await this.transaction(connection, async () => {
        for (const { table, rows } of ENUMERATIONS) await this.replaceRows(connection, table, rows);
      });
    });
    return migration!;
  }

  /** Fills a column in rows stored before it existed, in one transaction (see fillMissingInDuckDb). */
  async fillMissing(target: FillTarget, ndjson: Uint8Array): Promise<number> {
    let updated = 0;
    await this.write({ action: 'fillMissing', path: this.path, table: target.table }, async (connection) => {
      const stage = this.stage;
      if (!stage) throw new ShopstreamError('SHOP_E_WAREHOUSE_UNAVAILABLE', `${this.uri}: not started`);
      await this.transaction(connection, async () => {
        updated = await fillMissingInDuckDb(connection, stage, target, ndjson, MAX_ROW_BYTES);
      });
    });
    return updated;
  }

  async loadReferenceData(data: ReferenceData): Promise<void> {
    await this.write({ action: 'loadReferenceData', path: this.path }, async (connection) => {
      await this.transaction(connection, async () => {
        await this.replaceRows(connection, tableNamed('ref_customers'), data.customers);
        await this.replaceRows(connection, tableNamed('ref_products'), data.products);
        await this.replaceRows(connection, tableNamed('ref_warehouses'), data.warehouses);
      });
    });
  }

  /**
   * Appends in one transaction. DuckDB has no row-by-row refusal for rows the contract accepted: its
   * column types are as wide as the contract's bounds, so a statement fails as a whole or not at all.
   */
  async append<T extends EventTableName>(table: T, rows: readonly RowOf<T>[]): Promise<AppendResult> {
    if (!EVENT_TABLES.includes(table))
      throw new ShopstreamError('SHOP_E_WAREHOUSE_SCHEMA', `append: ${String(table)} is not an event table`);
    if (rows.length === 0) return ALL_WRITTEN;
    await this.write({ action: 'append', path: this.path, table }, (connection) =>
      this.insertRows(connection, tableNamed(table), rows),
    );
    this.appended(rows.length);
    return ALL_WRITTEN;
  }

  /**
   * Group commit: appends that arrive while the writer is busy wait together and go in as one
   * transaction (one INSERT per table), so a busy pipeline makes fewer, larger inserts and one commit
   * for many batches, while a quiet one still commits each batch at once. Every caller's promise
   * settles with that transaction. The text must be JSON objects, one per line, without `\u`
   * escapes of lone surrogates (DuckDB's JSON reader refuses them; see ndjson()).
   */
  async appendNdjson(table: EventTableName, ndjson: Uint8Array, rowCount: number): Promise<AppendResult> {
    if (!EVENT_TABLES.includes(table))
      throw new ShopstreamError('SHOP_E_WAREHOUSE_SCHEMA', `append: ${String(table)} is not an event table`);
    if (rowCount === 0) return ALL_WRITTEN;
    const done = new Promise<void>((resolve, reject) =>
      this.pendingNdjson.push({ table, ndjson: withFinalNewline(ndjson), rowCount, resolve, reject }),
    );
    if (this.pendingNdjson.length === 1)
      this.write({ action: 'append', path: this.path, table }, (connection) =>
        this.insertPendingNdjson(connection),
      ).catch((error: unknown) => {
        // insertPendingNdjson settles its group itself; this runs only when it never ran (no writer
        // connection): that group is still waiting and must hear why.
        for (const g of this.pendingNdjson.splice(0)) g.reject(error);
      });
    await done;
    return ALL_WRITTEN;
  }

  private async insertPendingNdjson(connection: DuckDBConnection): Promise<void> {
    const group = this.pendingNdjson.splice(0);
    try {
      await this.transaction(connection, async () => {
        const ingestionTime = new Date().toISOString();
        for (const table of EVENT_TABLES) {
          const chunks = group.filter((g) => g.table === table).map((g) => g.ndjson);
          if (chunks.length > 0)
            await this.insertStaged(connection, tableNamed(table), (stage) => stage.writeChunks(chunks), {
              ingestion_time: ingestionTime,
            });
        }
      });
    } catch (error) {
      const failure = this.failure(error, { action: 'append', path: this.path });
      for (const g of group) g.reject(failure);
      return;
    }
    for (const g of group) g.resolve();
    this.appended(group.reduce((rows, g) => rows + g.rowCount, 0));
  }

  async appendErrors(rows: readonly IngestErrorRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.write({ action: 'appendErrors', path: this.path, table: 'ingest_errors' }, (connection) =>
      this.insertRows(connection, tableNamed('ingest_errors'), rows),
    );
  }

  async query(sql: string): Promise<QueryResult> {
    const context: DuckDbFailureContext = { action: 'query', path: this.path };
    const run = async (): Promise<QueryResult> => {
      const reader = await this.connection('reader', context).runAndReadAll(sql);
      const columns = reader.deduplicatedColumnNames();
      return { columns, rows: reader.convertRowObjects(plainValue) as Record<string, unknown>[] };
    };
    const result = this.reads.then(run, run);
    this.reads = result.catch(() => undefined);
    try {
      return await result;
    } catch (error) {
      throw this.failure(error, context);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.writes, this.reads, this.reopening]);
    // Before the lock goes (the next process to open the file owns the folder beside it), and only
    // while it is held: an instance that could not be opened again held no lock.
    if (this.stage?.isPrivate || this.instance) await this.stage?.close();
    this.stage = undefined;
    this.writer?.closeSync();
    this.reader?.closeSync();
    this.instance?.closeSync();
    this.writer = this.reader = this.instance = undefined;
    this.reopenFailure = undefined;
  }

  private async connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
    const connection = await instance.connect();
    // TIMESTAMPTZ values print, and their date parts compute, in the session's zone: pin it to UTC.
    await connection.run("SET TimeZone = 'UTC'");
    return connection;
  }

  private connection(which: 'writer' | 'reader', context: DuckDbFailureContext): DuckDBConnection {
    const connection = this[which];
    if (!connection && this.reopenFailure !== undefined) {
      const why = this.reopenFailure;
      this.reopenAfterFatalError(); // try again, after this statement
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_UNAVAILABLE',
        `${this.path}: closing and opening the database again (after a fatal error, or reopenAfterRows rows) left it closed (${(why as Error)?.message ?? String(why)}); retrying`,
        { retryable: true, context: { ...context }, cause: why },
      );
    }
    if (!connection)
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_UNAVAILABLE',
        `${this.uri}: not started (call start() first)`,
        {
          retryable: false,
          context: { ...context },
        },
      );
    return connection;
  }

  /** Runs a write on the writer connection after every earlier write: one writer, in order. */
  private async write(
    context: DuckDbFailureContext,
    work: (connection: DuckDBConnection) => Promise<void>,
  ): Promise<void> {
    const run = async (): Promise<void> => work(this.connection('writer', context));
    const result = this.writes.then(run, run);
    this.writes = result.catch(() => undefined);
    try {
      await result;
    } catch (error) {
      throw this.failure(error, context);
    }
  }

  private async transaction(connection: DuckDBConnection, work: () => Promise<void>): Promise<void> {
    await connection.run('BEGIN TRANSACTION');
    try {
      await work();
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async replaceRows(
    connection: DuckDBConnection,
    table: TableModel,
    rows: readonly object[],
  ): Promise<void> {
    await connection.run(`DELETE FROM ${table.name}`);
    if (rows.length > 0) await this.insertRows(connection, table, rows);
  }

  /** Inserts rows in one statement, staged as NDJSON (see insertStaged). */
  private async insertRows(
    connection: DuckDBConnection,
    table: TableModel,
    rows: readonly object[],
  ): Promise<void> {
    await this.insertStaged(connection, table, (stage) => stage.write(rows));
  }

  /**
   * Inserts a staged NDJSON file in one statement (one transaction unless inside one): INSERT … SELECT
   * FROM read_json with the model's column types, so DuckDB parses and converts on its own threads.
   * Keys a row has beyond the model's columns are ignored. Columns in `constants` are not read from
   * the file: every row gets the given value.
   */
  private async insertStaged(
    connection: DuckDBConnection,
    table: TableModel,
    stageRows: (stage: NdjsonStage) => Promise<string>,
    constants: Readonly<Record<string, string>> = {},
  ): Promise<void> {
    const stage = this.stage;
    if (!stage) throw new ShopstreamError('SHOP_E_WAREHOUSE_UNAVAILABLE', `${this.uri}: not started`);
    const file = await stageRows(stage);
    try {
      const names = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
      const values = table.columns
        .map((c) =>
          c.name in constants
            ? `CAST(${duckDbString(constants[c.name]!)} AS ${duckDbType(c)})`
            : quoteIdentifier(c.name),
        )
        .join(', ');
      const types = table.columns
        .filter((c) => !(c.name in constants))
        .map((c) => `${duckDbString(c.name)}: ${duckDbString(duckDbType(c))}`)
        .join(', ');
      await connection.run(
        `INSERT INTO ${table.name} (${names}) SELECT ${values} FROM read_json(${duckDbString(file)}, ` +
          `format = 'newline_delimited', columns = {${types}}, auto_detect = false, maximum_object_size = ${MAX_ROW_BYTES})`,
      );
    } finally {
      await stage.remove(file);
    }
  }
}

/** The rows with a newline after the last one, so that the texts of a group can be joined. */
function withFinalNewline(ndjson: Uint8Array): Uint8Array {
  return ndjson.length === 0 || ndjson[ndjson.length - 1] === 0x0a
    ? ndjson
    : Buffer.concat([ndjson, Buffer.from('\n')]);
}
