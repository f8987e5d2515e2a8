import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import {
  duckDbCatalogStatements,
  duckDbString,
  duckDbTableStatements,
  duckDbType,
  quoteIdentifier,
} from '../dialects/duckdb-ddl.js';
import { ENUMERATIONS } from '../model/enumerations.js';
import type { TableModel } from '../model/table-model.js';
import { TABLES, tableNamed } from '../model/tables.js';
import type { ReferenceData } from '../reference-data.js';
import { EVENT_TABLES, type EventTableName, type IngestErrorRow, type RowOf } from '../rows.js';
import type { QueryResult, Warehouse } from '../warehouse.js';
import { duckDbError, type DuckDbFailureContext } from './duckdb-error.js';
import { NdjsonStage, ndjsonFromLines } from './ndjson-stage.js';
import { plainValue } from './plain-value.js';

/** Options of a {@link DuckDbWarehouse}. */
export interface DuckDbWarehouseOptions {
  /** The URI it was opened from (`duckdb:./data/warehouse.duckdb`), for messages. */
  readonly uri: string;
  /** The database file; its folders are created. `:memory:` keeps everything in memory. */
  readonly path: string;
  /** DuckDB's memory limit (its buffer pool). Default `128MB`. */
  readonly memoryLimit?: string;
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
  private readonly path: string;
  private readonly memoryLimit: string;
  private instance: DuckDBInstance | undefined;
  private writer: DuckDBConnection | undefined;
  private reader: DuckDBConnection | undefined;
  private stage: NdjsonStage | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private reads: Promise<unknown> = Promise.resolve();
  /** appendJson calls waiting for the writer; see appendJson. */
  private readonly pendingJson: {
    table: EventTableName;
    rows: readonly string[];
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(options: DuckDbWarehouseOptions) {
    this.uri = options.uri;
    this.path = options.path === ':memory:' ? options.path : resolve(options.path);
    this.memoryLimit = options.memoryLimit ?? '128MB';
  }

  async start(): Promise<void> {
    if (this.instance) return;
    const context: DuckDbFailureContext = { action: 'start', path: this.path };
    try {
      if (this.path !== ':memory:') await mkdir(dirname(this.path), { recursive: true });
      // DuckDB's buffer pool may take 80 % of the machine's memory by default; cap it so a long run's
      // memory stays flat (larger queries spill to a temp folder next to the file).
      const instance = await DuckDBInstance.create(this.path, { memory_limit: this.memoryLimit });
      try {
        this.writer = await this.connect(instance);
        this.reader = await this.connect(instance);
        await this.reader.run('SELECT 1');
      } catch (error) {
        instance.closeSync();
        throw error;
      }
      this.instance = instance;
      this.stage = await NdjsonStage.create();
    } catch (error) {
      this.writer = this.reader = undefined;
      throw duckDbError(error, context);
    }
  }

  async ensureSchema(): Promise<void> {
    await this.write({ action: 'ensureSchema', path: this.path }, async (connection) => {
      for (const statement of duckDbTableStatements()) await connection.run(statement);
      await this.checkColumns(connection);
      for (const statement of duckDbCatalogStatements()) await connection.run(statement);
      await this.transaction(connection, async () => {
        for (const { table, rows } of ENUMERATIONS) await this.replaceRows(connection, table, rows);
      });
    });
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

  async append<T extends EventTableName>(table: T, rows: readonly RowOf<T>[]): Promise<void> {
    if (!EVENT_TABLES.includes(table))
      throw new ShopstreamError('SHOP_E_WAREHOUSE_SCHEMA', `append: ${String(table)} is not an event table`);
    if (rows.length === 0) return;
    await this.write({ action: 'append', path: this.path, table }, (connection) =>
      this.insertRows(connection, tableNamed(table), rows),
    );
  }

  /**
   * Group commit: appends that arrive while the writer is busy wait together and go in as one
   * transaction (one INSERT per table), so a busy pipeline makes fewer, larger inserts and one commit
   * for many batches, while a quiet one still commits each batch at once. Every caller's promise
   * settles with that transaction.
   */
  async appendJson(table: EventTableName, rows: readonly string[]): Promise<void> {
    if (!EVENT_TABLES.includes(table))
      throw new ShopstreamError('SHOP_E_WAREHOUSE_SCHEMA', `append: ${String(table)} is not an event table`);
    if (rows.length === 0) return;
    const done = new Promise<void>((resolve, reject) =>
      this.pendingJson.push({ table, rows, resolve, reject }),
    );
    if (this.pendingJson.length === 1)
      this.write({ action: 'append', path: this.path, table }, (connection) =>
        this.insertPendingJson(connection),
      ).catch((error: unknown) => {
        // insertPendingJson settles its group itself; this runs only when it never ran (no writer
        // connection): that group is still waiting and must hear why.
        for (const g of this.pendingJson.splice(0)) g.reject(error);
      });
    return done;
  }

  private async insertPendingJson(connection: DuckDBConnection): Promise<void> {
    const group = this.pendingJson.splice(0);
    try {
      await this.transaction(connection, async () => {
        for (const table of EVENT_TABLES) {
          const lines = group.filter((g) => g.table === table).flatMap((g) => g.rows);
          if (lines.length > 0)
            await this.insertStaged(connection, tableNamed(table), (stage) =>
              stage.writeText(ndjsonFromLines(lines)),
            );
        }
      });
    } catch (error) {
      const failure = duckDbError(error, { action: 'append', path: this.path });
      for (const g of group) g.reject(failure);
      return;
    }
    for (const g of group) g.resolve();
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
      throw duckDbError(error, context);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.writes, this.reads]);
    this.writer?.closeSync();
    this.reader?.closeSync();
    this.instance?.closeSync();
    this.writer = this.reader = this.instance = undefined;
    await this.stage?.close();
    this.stage = undefined;
  }

  private async connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
    const connection = await instance.connect();
    // TIMESTAMPTZ values print, and their date parts compute, in the session's zone: pin it to UTC.
    await connection.run("SET TimeZone = 'UTC'");
    return connection;
  }

  private connection(which: 'writer' | 'reader', context: DuckDbFailureContext): DuckDBConnection {
    const connection = this[which];
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
      throw duckDbError(error, context);
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
   * Keys a row has beyond the model's columns are ignored.
   */
  private async insertStaged(
    connection: DuckDBConnection,
    table: TableModel,
    stageRows: (stage: NdjsonStage) => Promise<string>,
  ): Promise<void> {
    const stage = this.stage;
    if (!stage) throw new ShopstreamError('SHOP_E_WAREHOUSE_UNAVAILABLE', `${this.uri}: not started`);
    const file = await stageRows(stage);
    try {
      const names = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
      const types = table.columns
        .map((c) => `${duckDbString(c.name)}: ${duckDbString(duckDbType(c))}`)
        .join(', ');
      await connection.run(
        `INSERT INTO ${table.name} (${names}) SELECT ${names} FROM read_json(${duckDbString(file)}, ` +
          `format = 'newline_delimited', columns = {${types}}, auto_detect = false, maximum_object_size = ${MAX_ROW_BYTES})`,
      );
    } finally {
      await stage.remove(file);
    }
  }

  /** Fails when a table exists with other columns than the model's (it was made by another version). */
  private async checkColumns(connection: DuckDBConnection): Promise<void> {
    const reader = await connection.runAndReadAll(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    );
    const actual = new Map<string, string[]>();
    for (const [table, column, type] of reader.getRows() as [string, string, string][])
      actual.set(table, [...(actual.get(table) ?? []), `${column} ${type}`]);
    const differences: string[] = [];
    for (const table of TABLES) {
      const expected = table.columns.map((c) => `${c.name} ${catalogType(duckDbType(c))}`);
      const found = actual.get(table.name) ?? [];
      if (expected.join(', ') !== found.join(', '))
        differences.push(`${table.name}: expected (${expected.join(', ')}), found (${found.join(', ')})`);
    }
    if (differences.length > 0)
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_SCHEMA',
        `${this.path}: tables differ from the model (made by another version of shopstream?); migrate or recreate them. ${differences.join('; ')}`,
        { context: { differences } },
      );
  }
}

/** How DuckDB's catalog spells a type the DDL writes as TIMESTAMPTZ. */
function catalogType(type: string): string {
  return type.replaceAll('TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE');
}
