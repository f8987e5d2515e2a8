import { status as GrpcStatus } from '@grpc/grpc-js';
import type { BigQueryWarehouseOptions } from '../../src/warehouse/bigquery/bigquery-warehouse.js';
import { BigQueryStore, type FakeTable } from './fake-bigquery/bigquery-store.js';
import { QueryAnswerer, type CannedFailure, type CannedResult } from './fake-bigquery/query-answerer.js';
import { RestApiServer, type FakeRestRequest, type FakeStatement } from './fake-bigquery/rest-api-server.js';
import {
  APPEND_REQUEST_LIMIT_BYTES,
  WriteApiServer,
  type FakeAppend,
  type FaultMode,
} from './fake-bigquery/write-api-server.js';

export type { FakeAppend, FakeRestRequest, FakeStatement, FakeTable, FaultMode, CannedResult, CannedFailure };

/** Options of {@link FakeBigQueryServer.start}. */
export interface FakeBigQueryServerOptions {
  /** Largest AppendRows request accepted, in bytes; default the API's 10 MB. */
  readonly maxAppendRequestBytes?: number;
  /** Rows per page of query results; default 10,000. */
  readonly queryPageSize?: number;
  /** Project of queries that name tables as `dataset.table`; default `test-project`. */
  readonly defaultProjectId?: string;
}

/** gRPC status names a test can inject on AppendRows. */
export type GrpcStatusName = keyof typeof GrpcStatus;

/**
 * A local server speaking BigQuery's real protocols, since no BigQuery emulator exists here:
 *
 * - **REST** (BigQuery API v2, what `@google-cloud/bigquery` calls): datasets get/insert, tables
 *   get/insert/delete (tables and views, with the service's checks of partitioning and clustering),
 *   tables.patch (a view's query; a table's schema, checked as the service checks a schema update:
 *   fields only added, at the end, never REQUIRED), jobs insert/get (query jobs; load jobs uploaded
 *   as multipart NDJSON), jobs.query and getQueryResults.
 * - **gRPC** (`google.cloud.bigquery.storage.v1.BigQueryWrite`, built from the protos
 *   `@google-cloud/bigquery-storage` ships): AppendRows on `_default` streams, decoding each row with
 *   the writer's `writer_schema` descriptor and checking it against the table; GetWriteStream.
 *
 * It is not a SQL engine: every SQL statement is parsed with node-sql-parser's BigQuery dialect (bad
 * SQL fails like BigQuery's `invalidQuery`), and a query is answered only by a result the test sets
 * with {@link answerQuery} or, for two shapes, from the stored rows: `SELECT COUNT(*) FROM <table>`,
 * and reconcile's `SELECT event_id, UNIX_MILLIS(<time>) AS t FROM <table> [WHERE <time range>]`. Two
 * statements are carried out: `ALTER TABLE … ADD COLUMN` (schema-updates.ts) and the UPDATE of an
 * in-place fill (fill-update.ts), each read strictly, so anything else shopstream might send shows.
 * Unimplemented calls are logged to stderr, listed in {@link unsupported} and refused (HTTP 501,
 * gRPC UNIMPLEMENTED). Clients connect without credentials: plaintext gRPC, no OAuth token.
 *
 * @example
 * const bq = await FakeBigQueryServer.start({ defaultProjectId: 'p' });
 * const warehouse = new BigQueryWarehouse(bq.warehouseOptions('d'));
 * bq.failNextAppends(2, 'UNAVAILABLE');
 * bq.rows('p', 'd', 'orders'); // decoded rows
 * await bq.close();
 */
export class FakeBigQueryServer {
  private readonly store = new BigQueryStore();
  private readonly answerer: QueryAnswerer;
  private readonly rest: RestApiServer;
  private readonly write: WriteApiServer;
  private restBase = '';
  private grpcAddress = '';
  private readonly defaultProject: string;

  private constructor(options: FakeBigQueryServerOptions) {
    const defaultProject = options.defaultProjectId ?? 'test-project';
    this.defaultProject = defaultProject;
    this.answerer = new QueryAnswerer(this.store, () => defaultProject);
    this.rest = new RestApiServer(this.store, this.answerer, options.queryPageSize ?? 10_000);
    this.write = new WriteApiServer(this.store, options.maxAppendRequestBytes ?? APPEND_REQUEST_LIMIT_BYTES);
  }

  /** Starts both servers on free ports of 127.0.0.1. */
  static async start(options: FakeBigQueryServerOptions = {}): Promise<FakeBigQueryServer> {
    const fake = new FakeBigQueryServer(options);
    fake.restBase = await fake.rest.start();
    fake.grpcAddress = await fake.write.start();
    return fake;
  }

  /** `http://127.0.0.1:<port>`: the `apiEndpoint` of `@google-cloud/bigquery`. */
  get restUrl(): string {
    return this.restBase;
  }

  /** `127.0.0.1:<port>`: the Storage Write API endpoint (plaintext gRPC). */
  get grpcEndpoint(): string {
    return this.grpcAddress;
  }

  /** Options of a BigQueryWarehouse on a dataset of this server's default project (no credentials). */
  warehouseOptions(
    datasetId: string,
    more: Partial<BigQueryWarehouseOptions> = {},
  ): BigQueryWarehouseOptions {
    return {
      uri: `bigquery:${this.defaultProject}.${datasetId}`,
      projectId: this.defaultProject,
      datasetId,
      apiEndpoint: this.restUrl,
      writeEndpoint: this.grpcEndpoint,
      credentials: 'none',
      ...more,
    };
  }

  /** Every REST request answered, in order. */
  get requests(): readonly FakeRestRequest[] {
    return this.rest.requests;
  }

  /** Every AppendRows request answered, in order. */
  get appends(): readonly FakeAppend[] {
    return this.write.appends;
  }

  /** Every SQL statement received (queries and view definitions), in order. */
  get statements(): readonly FakeStatement[] {
    return this.rest.statements;
  }

  /** Calls and queries nothing here implements; a test should expect none. */
  get unsupported(): readonly string[] {
    return [
      ...this.rest.unsupported,
      ...this.write.unsupported,
      ...this.answerer.unanswered.map((q) => `query ${q}`),
    ];
  }

  /** The table or view as stored, or undefined. */
  table(projectId: string, datasetId: string, tableId: string): FakeTable | undefined {
    return this.store.table(projectId, datasetId, tableId);
  }

  /** The dataset resource as stored (the insert body plus what the service adds), or undefined. */
  dataset(projectId: string, datasetId: string): Readonly<Record<string, unknown>> | undefined {
    return this.store.dataset(projectId, datasetId)?.resource;
  }

  /** Names of the tables and views of a dataset, in creation order. */
  tableIds(projectId: string, datasetId: string): string[] {
    return [...(this.store.dataset(projectId, datasetId)?.tables.keys() ?? [])];
  }

  /** The stored rows of a table (a copy), in arrival order. */
  rows(projectId: string, datasetId: string, tableId: string): Record<string, unknown>[] {
    return structuredClone(this.store.table(projectId, datasetId, tableId)?.rows ?? []);
  }

  /**
   * Fails the next `count` AppendRows requests with a gRPC status: in an AppendRowsResponse
   * (`'response'`, the default), by ending the call (`'stream'`), or by never answering on that
   * call again (`'hang'`, the code is then only recorded). A failed request stores nothing.
   */
  failNextAppends(count: number, code: GrpcStatusName, mode: FaultMode = 'response'): void {
    this.write.failNext(count, GrpcStatus[code], mode, `injected ${code} by fake-bigquery`);
  }

  /** Sets the answer to a query: equal to `match` (whitespace-insensitive) or matching a RegExp. */
  answerQuery(match: string | RegExp, answer: CannedResult | CannedFailure): void {
    this.answerer.answer(match, answer);
  }

  async close(): Promise<void> {
    await Promise.all([this.rest.close(), this.write.close()]);
  }
}
