import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BigQuery, type BigQueryOptions, type Dataset, type QueryRowsResponse } from '@google-cloud/bigquery';
import { managedwriter } from '@google-cloud/bigquery-storage';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { PassThroughClient } from 'google-auth-library';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { silentLogger, type Logger } from '../../telemetry/logger.js';
import { breakingChangeError } from '../migration/breaking-change-error.js';
import { rowsCarrying, type FillTarget } from '../migration/fill-target.js';
import type { EnsureSchemaOptions, SchemaMigration } from '../migration/schema-migration.js';
import { ENUMERATIONS } from '../model/enumerations.js';
import type { TableModel } from '../model/table-model.js';
import { TABLES, tableNamed } from '../model/tables.js';
import { VIEWS } from '../model/views.js';
import type { ReferenceData } from '../reference-data.js';
import { rowCountOf, type EncodedRows, type EncoderRowEncoding } from '../row-encoding.js';
import type { EventTableName, IngestErrorRow, RowOf } from '../rows.js';
import { ALL_WRITTEN, type AppendResult, type QueryResult, type Warehouse } from '../warehouse.js';
import {
  compileBigQueryWarehouseOptions,
  type BigQueryWarehouseOptions,
  type CompiledBigQueryWarehouseOptions,
} from './bigquery-warehouse-options.js';
import { DefaultStreamAppender } from './default-stream-appender.js';
import {
  loadRowOf,
  tableFieldsOf,
  tableResourceOf,
  viewResourceOf,
  type TableResource,
} from './model-resources.js';
import { integerOfText, plainValue } from './plain-value.js';
import { bigQueryFillStatement, fillStagingFields } from './bigquery-fill-missing.js';
import { planBigQuerySchema, type BigQuerySchemaPlan } from './bigquery-schema-plan.js';
import { mergedSchema } from './merged-schema.js';
import { GRPC_STATUS } from '../../util/grpc-status.js';
import type { TableField } from './table-field.js';
import { toWarehouseError } from './to-warehouse-error.js';
import { stampIngestionTime } from './storage-row-encoder.js';
import { storageRowEncoding } from './storage-row-encoding.js';

export type { BigQueryWarehouseOptions };

/** How long start() waits for the Storage Write API to answer. */
const START_TIMEOUT_MS = 15_000;

interface ApiError {
  code?: unknown;
}

/**
 * The warehouse on BigQuery.
 *
 * - Datasets, tables, views, load jobs and queries through `@google-cloud/bigquery` (REST). Tables
 *   and views come from the warehouse model: the JSON schema Terraform also applies, daily
 *   partitioning and clustering as the model says, views as GoogleSQL with the placeholders filled.
 * - Rows through the Storage Write API's `_default` stream (`@google-cloud/bigquery-storage`
 *   managed writer), batched and retried by {@link DefaultStreamAppender}. Any number of pipeline
 *   workers may append concurrently: the default stream needs no coordination between writers. The
 *   pipeline's prepare workers serialize the rows as protobuf already (see {@link rowEncoding}), so
 *   this thread only stamps their ingestion time and sends them.
 * - `ref_` and enumeration tables are replaced by load jobs with WRITE_TRUNCATE: one atomic job per
 *   table, so running setup again (or twice at once) leaves exactly one copy of each row.
 * - Queries run with the dataset as default dataset, so `SELECT * FROM orders_dedup` works as on
 *   DuckDB.
 *
 * Authentication is by Application Default Credentials only; see {@link BigQueryWarehouseOptions}
 * for pointing both protocols at a local server.
 */
export class BigQueryWarehouse implements Warehouse {
  readonly uri: string;
  private readonly options: CompiledBigQueryWarehouseOptions;
  private readonly bigquery: BigQuery;
  private readonly dataset: Dataset;
  private writerClient: managedwriter.WriterClient | undefined;
  private readonly appenders = new Map<string, DefaultStreamAppender>();
  private readonly inflight = new Set<Promise<AppendResult>>();
  private encoding: EncoderRowEncoding | undefined;
  private closed = false;

  constructor(
    options: BigQueryWarehouseOptions,
    private readonly logger: Logger = silentLogger,
  ) {
    this.options = compileBigQueryWarehouseOptions(options);
    this.uri = this.options.uri;
    const { projectId, datasetId, location, apiEndpoint, credentials, restMaxRetries } = this.options;
    const restOptions: BigQueryOptions = {
      projectId,
      // (The library reads maxRetries 0 as "default", so 0 turns retries off instead.)
      retryOptions: restMaxRetries === 0 ? { autoRetry: false } : { maxRetries: restMaxRetries },
      ...(location ? { location } : {}),
      ...(apiEndpoint ? { apiEndpoint } : {}),
      // A local protocol server takes no token; without this the library would look for ADC.
      ...(credentials === 'none' ? { authClient: new PassThroughClient() } : {}),
    };
    this.bigquery = new BigQuery(restOptions);
    this.dataset = this.bigquery.dataset(datasetId, location ? { location } : {});
  }

  /** Protobuf rows of the Storage Write API, made by the prepare workers (storage-row-encoder.ts). */
  get rowEncoding(): EncoderRowEncoding {
    return (this.encoding ??= storageRowEncoding());
  }

  /**
   * Checks both APIs answer and the credentials work: reads the dataset (REST) and the orders
   * table's default stream (gRPC). Missing ones are fine: setup makes them.
   */
  async start(): Promise<void> {
    this.assertOpen();
    const rest = this.dataset.getMetadata().catch((error: unknown) => {
      if ((error as ApiError).code === 404) return;
      throw toWarehouseError(error, `reach dataset ${this.datasetPath()}`, 'admin');
    });
    const streamId = `${this.tablePath('orders')}/streams/_default`;
    // One bounded attempt: the library's own policy retries UNAVAILABLE for up to ten minutes.
    const write = this.writer()
      .getWriteStream({ streamId }, { timeout: START_TIMEOUT_MS, maxRetries: 0 })
      .catch((error: unknown) => {
        // Any refusal proves the service answers. Before setup the table is missing, which the
        // Storage API may report as NOT_FOUND or as PERMISSION_DENIED "(or it may not exist)".
        const code = (error as ApiError).code;
        if (code === GRPC_STATUS.NOT_FOUND || code === GRPC_STATUS.PERMISSION_DENIED) return;
        throw toWarehouseError(error, `reach the Storage Write API (${streamId})`, 'write');
      });
    await Promise.all([rest, write]);
  }

  /**
   * Brings the dataset to the model. It reads every table (tables.get) and plans first: a missing
   * dataset, table or view is created; columns the model gained are added to existing tables, top-level
   * ones with ALTER TABLE … ADD COLUMN, fields inside a RECORD (`items`, `shipping_address`,
   * `metadata`) with tables.patch, since BigQuery DDL cannot add those; a view whose query differs is
   * updated; the enumeration tables are reloaded. Any difference that is not an addition is refused
   * with SHOP_E_WAREHOUSE_BREAKING_CHANGE before anything changes. A dry run plans only.
   */
  async ensureSchema(options: EnsureSchemaOptions = {}): Promise<SchemaMigration> {
    this.assertOpen();
    const dryRun = options.dryRun === true;
    const plan = await this.planSchema();
    if (plan.conflicts.length > 0) throw breakingChangeError(this.uri, plan.conflicts);
    const migration: SchemaMigration = { dryRun, steps: plan.steps, addedColumns: plan.addedColumns };
    if (dryRun) return migration;
    await this.ensureDataset();
    await Promise.all(plan.tables.map((table) => this.ensureTable(table)));
    for (const { statement } of plan.steps.filter((s) => s.kind === 'add-column'))
      await this.runDdl(statement, 'add columns');
    for (const table of plan.patched) await this.addNestedFields(table);
    // BigQuery checks a view's query when it is created, so the tables must exist first. Each view
    // reads tables only (the views it builds on are inlined), so views need no order among themselves.
    await Promise.all(
      VIEWS.map((view) =>
        this.ensureView(view.name, viewResourceOf(view, this.projectId(), this.datasetId())),
      ),
    );
    await Promise.all(ENUMERATIONS.map(({ table, rows }) => this.replaceRows(table.name, rows)));
    return migration;
  }

  /** Reads the dataset's tables and views (tables.get) and plans the model onto them. */
  private async planSchema(): Promise<BigQuerySchemaPlan> {
    const dataset = await this.metadataOf(`dataset ${this.datasetPath()}`, () => this.dataset.getMetadata());
    const read = (name: string): Promise<TableResource | undefined> =>
      dataset
        ? this.metadataOf(`table ${name}`, () => this.dataset.table(name).getMetadata())
        : Promise.resolve(undefined);
    const [tables, views] = await Promise.all([
      Promise.all(TABLES.map((t) => read(t.name))),
      Promise.all(VIEWS.map((v) => read(v.name))),
    ]);
    return planBigQuerySchema({
      projectId: this.projectId(),
      datasetId: this.datasetId(),
      datasetExists: dataset !== undefined,
      tables,
      views,
    });
  }

  /** Runs a DML statement; resolves to the rows it changed. */
  private async dml(sql: string, what: string): Promise<number> {
    try {
      const [, , response] = (await this.bigquery.query(
        { query: sql, useLegacySql: false },
        { autoPaginate: false },
      )) as unknown as [unknown, unknown, { numDmlAffectedRows?: string } | undefined];
      return Number(response?.numDmlAffectedRows ?? 0);
    } catch (error) {
      throw toWarehouseError(error, what, 'admin', { sql: sql.slice(0, 500) });
    }
  }

  /** Runs a DDL statement (ALTER TABLE) as a query job. */
  private async runDdl(sql: string, what: string): Promise<void> {
    try {
      await this.bigquery.query({ query: sql, useLegacySql: false });
    } catch (error) {
      throw toWarehouseError(error, what, 'admin', { sql: sql.slice(0, 500) });
    }
  }

  /**
   * Adds the model's fields that a table's RECORDs lack (and new RECORD columns) with tables.patch of
   * the whole schema: the table's fields as they are now, new ones appended where they belong.
   */
  private async addNestedFields(table: TableModel): Promise<void> {
    const handle = this.dataset.table(table.name);
    const current = await this.metadataOf(`table ${table.name}`, () => handle.getMetadata());
    const fields = mergedSchema(current?.schema?.fields ?? [], tableFieldsOf(table.name));
    try {
      // (The library types fields as mutable; the list is ours and not changed after this.)
      await handle.setMetadata({ schema: { fields } } as object);
      this.logger.info({ table: table.name }, 'bigquery table schema patched to the model');
    } catch (error) {
      throw toWarehouseError(error, `patch the schema of ${table.name}`, 'admin');
    }
  }

  /**
   * Fills a column in rows stored before it existed, in place (see Warehouse.fillMissing): the rows
   * that carry a value are loaded into a staging table (expiring after a day, deleted when done), and
   * one UPDATE … FROM it sets the column where the stored rows lack it. DML works on rows the Storage
   * Write API streamed, unlike the legacy streaming buffer.
   */
  async fillMissing(target: FillTarget, ndjson: Uint8Array): Promise<number> {
    this.assertOpen();
    const model = tableNamed(target.table);
    const partition = model.partitioning?.column;
    const rows = rowsCarrying(target, ndjson, partition ? [partition] : []);
    if (rows.length === 0) return 0;
    const current = await this.metadataOf(`table ${target.table}`, () =>
      this.dataset.table(target.table).getMetadata(),
    );
    const top = target.chain[0]!.name;
    const fields = fillStagingFields(current?.schema?.fields ?? [], [
      'event_id',
      ...(partition ? [partition] : []),
      top,
    ]);
    if (!fields)
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_SCHEMA',
        `bigquery: ${this.datasetPath()}.${target.table} has no column ${top} (or event_id): run \`shopstream setup\` to migrate it first`,
      );
    const staged = `_shopstream_fill_${target.table}_${randomUUID().slice(0, 8)}`;
    const dayFromNow = String(Date.now() + 24 * 3600_000);
    try {
      await this.dataset.createTable(staged, { schema: { fields }, expirationTime: dayFromNow } as object);
    } catch (error) {
      throw toWarehouseError(error, `create staging table ${staged}`, 'admin');
    }
    try {
      await this.replaceRows(staged, rows, fields);
      const times = partition ? rows.map((r) => String(r[partition])).sort() : [];
      const sql = bigQueryFillStatement({
        target,
        table: `\`${this.datasetPath()}.${target.table}\``,
        staged: `\`${this.datasetPath()}.${staged}\``,
        ...(partition
          ? { partition: { column: partition, from: times[0]!, to: times[times.length - 1]! } }
          : {}),
      });
      return await this.dml(sql, `fill ${target.table}.${target.path}`);
    } finally {
      await this.dataset
        .table(staged)
        .delete()
        .catch((error: unknown) =>
          this.logger.warn({ err: error, table: staged }, 'staging table not deleted; it expires in a day'),
        );
    }
  }

  async loadReferenceData(data: ReferenceData): Promise<void> {
    this.assertOpen();
    await Promise.all([
      this.replaceRows('ref_customers', data.customers),
      this.replaceRows('ref_products', data.products),
      this.replaceRows('ref_warehouses', data.warehouses),
    ]);
  }

  async append<T extends EventTableName>(table: T, rows: readonly RowOf<T>[]): Promise<AppendResult> {
    this.assertOpen();
    return this.track(this.appender(table).append(rows));
  }

  /** Parses the rows and appends them through the Storage Write API, as {@link append} does. */
  async appendNdjson(table: EventTableName, ndjson: Uint8Array, rowCount: number): Promise<AppendResult> {
    if (rowCount === 0) return ALL_WRITTEN;
    const ingestion_time = new Date().toISOString();
    const rows = Buffer.from(ndjson.buffer, ndjson.byteOffset, ndjson.byteLength)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => ({ ...(JSON.parse(line) as object), ingestion_time }) as RowOf<typeof table>);
    return this.append(table, rows);
  }

  /**
   * Appends the rows a prepare worker serialized ({@link rowEncoding}) as they are: their
   * ingestion_time is set to now in place, and the appender sends their bytes.
   */
  async appendEncoded(table: EventTableName, rows: EncodedRows): Promise<AppendResult> {
    this.assertOpen();
    if (rowCountOf(rows) === 0) return ALL_WRITTEN;
    stampIngestionTime(rows, new Date());
    return this.track(this.appender(table).appendEncoded(rows));
  }

  async appendErrors(rows: readonly IngestErrorRow[]): Promise<void> {
    this.assertOpen();
    const { rejected } = await this.track(this.appender('ingest_errors').append(rows));
    // The DLQ is where refused rows go, so it has nowhere to send its own: someone must fix the table.
    if (rejected.length > 0)
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_REJECTED',
        `bigquery: ingest_errors refused ${rejected.length} of ${rows.length} DLQ rows (the others are written): ${rejected[0]!.message}. Make the table match the model (\`shopstream setup\` reports the differences).`,
        { context: { table: 'ingest_errors', rejected } },
      );
  }

  /**
   * Runs GoogleSQL through jobs.query (then getQueryResults for further pages) with the dataset as
   * default dataset. Bad SQL throws SHOP_E_WAREHOUSE_QUERY with BigQuery's message.
   */
  async query(sql: string): Promise<QueryResult> {
    this.assertOpen();
    const parse = { wrapIntegers: { integerTypeCastFunction: integerOfText } };
    try {
      // With autoPaginate off, query() answers [rows, nextQuery, response] (the typings of the
      // object form omit the response, which holds the schema: the column order, even for no rows).
      const [firstRows, firstNext, response] = (await this.bigquery.query(
        {
          query: sql,
          defaultDataset: { projectId: this.projectId(), datasetId: this.datasetId() },
          ...parse,
        },
        { autoPaginate: false },
      )) as unknown as QueryRowsResponse;
      const columns = (response?.schema?.fields ?? []).map((f) => f.name ?? '');
      const rows: Record<string, unknown>[] = [...(firstRows as Record<string, unknown>[])];
      let pageToken = (firstNext as { pageToken?: string } | null | undefined)?.pageToken;
      const ref = response?.jobReference;
      while (pageToken && ref?.jobId) {
        const job = this.bigquery.job(ref.jobId, ref.location ? { location: ref.location } : {});
        const [more, following] = await job.getQueryResults({ pageToken, autoPaginate: false, ...parse });
        rows.push(...(more as Record<string, unknown>[]));
        pageToken = (following as { pageToken?: string } | null | undefined)?.pageToken;
      }
      return {
        columns,
        rows: rows.map((row) => Object.fromEntries(columns.map((c) => [c, plainValue(row[c])]))),
      };
    } catch (error) {
      throw toWarehouseError(error, 'run query', 'query', { sql: sql.slice(0, 500) });
    }
  }

  /** Lets appends in flight finish (each is bounded by its timeouts and retries), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    for (const appender of this.appenders.values()) appender.close();
    this.appenders.clear();
    if (this.writerClient) {
      this.writerClient.close(); // the stream connections
      // The gRPC channel. A client that never got credentials has none, and its close() throws
      // why again: start() already reported that, and the caller's error must stay the one it sees.
      await this.writerClient
        .getClient()
        .close()
        .catch((error: unknown) =>
          this.logger.debug({ err: error }, 'bigquery write client had no channel to close'),
        );
    }
  }

  private async track(append: Promise<AppendResult>): Promise<AppendResult> {
    this.inflight.add(append);
    try {
      return await append;
    } finally {
      this.inflight.delete(append);
    }
  }

  private appender(table: string): DefaultStreamAppender {
    let appender = this.appenders.get(table);
    if (!appender) {
      appender = new DefaultStreamAppender(
        this.writer(),
        this.tablePath(table),
        tableFieldsOf(table),
        this.options.append,
        this.logger,
      );
      this.appenders.set(table, appender);
    }
    return appender;
  }

  /** One WriterClient (one gRPC channel) for every table's connection. */
  private writer(): managedwriter.WriterClient {
    if (!this.writerClient) {
      const { writeEndpoint, credentials } = this.options;
      // (google-gax types authClient with its own copy of google-auth-library, hence the cast.)
      this.writerClient = new managedwriter.WriterClient({
        projectId: this.projectId(),
        ...(writeEndpoint ? { servicePath: writeEndpoint.host, port: writeEndpoint.port } : {}),
        ...(credentials === 'none'
          ? { sslCreds: grpcCredentials.createInsecure(), authClient: new PassThroughClient() }
          : {}),
      } as ConstructorParameters<typeof managedwriter.WriterClient>[0]);
    }
    return this.writerClient;
  }

  /**
   * Reads a resource's metadata, and creates it when it does not exist. Reading first means a
   * service account that may not create datasets or tables still passes when Terraform made them;
   * "already exists" (409) from a concurrent setup counts as existing. Returns the metadata of an
   * existing resource, or undefined when this call created it.
   */
  private async readOrCreate(
    what: string,
    read: () => Promise<readonly unknown[]>,
    create: () => Promise<unknown>,
  ): Promise<TableResource | undefined> {
    const existing = await this.metadataOf(what, read);
    if (existing) return existing;
    try {
      await create();
      return undefined;
    } catch (error) {
      if ((error as ApiError).code !== 409) throw toWarehouseError(error, `create ${what}`, 'admin');
    }
    const raced = await this.metadataOf(what, read);
    if (!raced) {
      throw new ShopstreamError(
        'SHOP_E_WAREHOUSE_UNAVAILABLE',
        `bigquery: ${what} was reported to exist (409) but cannot be read yet; try again`,
        { retryable: true },
      );
    }
    return raced;
  }

  /** The metadata of a dataset or table, or undefined when it does not exist (404). */
  private async metadataOf(
    what: string,
    read: () => Promise<readonly unknown[]>,
  ): Promise<TableResource | undefined> {
    try {
      const [metadata] = await read();
      return metadata as TableResource;
    } catch (error) {
      if ((error as ApiError).code === 404) return undefined;
      throw toWarehouseError(error, `read ${what}`, 'admin');
    }
  }

  private async ensureDataset(): Promise<void> {
    const { location } = this.options;
    await this.readOrCreate(
      `dataset ${this.datasetPath()}`,
      () => this.dataset.getMetadata(),
      () => this.dataset.create(location ? { location } : {}),
    );
  }

  /** Creates a table of the model (one that existed when planned is left to the migration steps). */
  private async ensureTable(table: TableModel): Promise<void> {
    await this.readOrCreate(
      `table ${table.name}`,
      () => this.dataset.table(table.name).getMetadata(),
      () => this.dataset.createTable(table.name, tableResourceOf(table) as object),
    );
  }

  /** Creates a view, or points an existing one at the model's query when it differs. */
  private async ensureView(name: string, resource: TableResource): Promise<void> {
    const table = this.dataset.table(name);
    const existing = await this.readOrCreate(
      `view ${name}`,
      () => table.getMetadata(),
      () => this.dataset.createTable(name, resource as object),
    );
    if (!existing || existing.view?.query === resource.view?.query) return;
    try {
      await table.setMetadata({ description: resource.description, view: resource.view });
      this.logger.info({ view: name }, 'bigquery view updated to the model');
    } catch (error) {
      throw toWarehouseError(error, `update view ${name}`, 'admin');
    }
  }

  /**
   * Replaces a table's rows with a load job (newline-delimited JSON, WRITE_TRUNCATE): the old rows go
   * and the new ones arrive in one atomic job, so a repeat leaves the same contents.
   */
  private async replaceRows(
    table: string,
    rows: readonly object[],
    fields: readonly TableField[] = tableFieldsOf(table),
  ): Promise<void> {
    const ndjson =
      rows.map((row) => JSON.stringify(loadRowOf(fields, row))).join('\n') + (rows.length > 0 ? '\n' : '');
    try {
      await pipeline(
        Readable.from([Buffer.from(ndjson, 'utf8')]),
        this.dataset.table(table).createWriteStream({
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          writeDisposition: 'WRITE_TRUNCATE',
          createDisposition: 'CREATE_NEVER',
          jobPrefix: `shopstream_${table}_`,
        }),
      );
    } catch (error) {
      throw toWarehouseError(error, `load ${rows.length} rows into ${table}`, 'admin', { table });
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new ShopstreamError('SHOP_E_INTERNAL', `bigquery: warehouse ${this.uri} was used after close()`);
    }
  }

  private projectId(): string {
    return this.options.projectId;
  }

  private datasetId(): string {
    return this.options.datasetId;
  }

  /** `projects/{p}/datasets/{d}/tables/{t}`, as the Storage Write API names a table. */
  private tablePath(table: string): string {
    return `projects/${this.projectId()}/datasets/${this.datasetId()}/tables/${table}`;
  }

  private datasetPath(): string {
    return `${this.options.projectId}.${this.options.datasetId}`;
  }
}
