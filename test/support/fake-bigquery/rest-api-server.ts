import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BigQueryStore, FakeTable } from './bigquery-store.js';
import { parseMultipart } from './multipart.js';
import { checkSchemaUpdate, SchemaUpdateError, setSchema } from './schema-updates.js';
import { checkSyntax, type CannedResult, type QueryAnswerer } from './query-answerer.js';
import {
  isRepeated,
  restCell,
  RowValueError,
  rowFromJson,
  standardType,
  type FieldSchema,
} from './row-values.js';

/** One REST request the server answered. */
export interface FakeRestRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/bigquery/v2/projects/p/datasets`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The JSON body (the metadata part for a multipart upload), or undefined. */
  readonly body: unknown;
  readonly status: number;
}

/** A SQL statement the server received: a query, or the query of a view being created. */
export interface FakeStatement {
  readonly kind: 'query' | 'view';
  readonly sql: string;
}

interface Job {
  readonly resource: Record<string, unknown>;
  readonly result?: CannedResult;
}

const PARTITION_TYPES = new Set(['DAY', 'HOUR', 'MONTH', 'YEAR']);
const PARTITION_COLUMN_TYPES = new Set(['TIMESTAMP', 'DATE', 'DATETIME']);
const CLUSTER_COLUMN_TYPES = new Set([
  'STRING',
  'INT64',
  'NUMERIC',
  'BIGNUMERIC',
  'DATE',
  'DATETIME',
  'TIMESTAMP',
  'BOOL',
  'GEOGRAPHY',
]);
const COLUMN_TYPES = new Set([
  ...CLUSTER_COLUMN_TYPES,
  'FLOAT64',
  'BYTES',
  'TIME',
  'JSON',
  'STRUCT',
  'INTERVAL',
  'RANGE',
]);

/** A REST error: answered as `{error: {code, message, errors: [{reason, message}], status}}`. */
class RestError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The HTTP half of the fake: the BigQuery v2 REST calls `@google-cloud/bigquery` makes for datasets,
 * tables, views, load jobs and queries, with the checks the service applies to what matters here
 * (partitioning and clustering columns, view SQL, load rows). Anything else is logged and answered 501.
 */
export class RestApiServer {
  readonly requests: FakeRestRequest[] = [];
  readonly statements: FakeStatement[] = [];
  /** Requests the server does not implement ("METHOD /path"); a test should expect none. */
  readonly unsupported: string[] = [];
  private readonly jobs = new Map<string, Job>();
  private readonly server: Server;

  constructor(
    private readonly store: BigQueryStore,
    private readonly queries: QueryAnswerer,
    private readonly pageSize: number,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        process.stderr.write(`[fake-bigquery] handler failed: ${String(error)}\n`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const contentType = req.headers['content-type'] ?? '';
    let body: unknown;
    let data: Buffer | undefined;
    let status: number;
    try {
      if (/^multipart\//i.test(contentType)) {
        const [metadata, payload] = parseMultipart(contentType, raw);
        body = metadata ? JSON.parse(metadata.body.toString('utf8')) : undefined;
        data = payload?.body;
      } else if (raw.length > 0) {
        body = JSON.parse(raw.toString('utf8'));
      }
      const answer = this.route(method, url.pathname, url.searchParams, body, data);
      status = answer.status;
      send(res, answer.status, answer.body);
    } catch (error) {
      const e =
        error instanceof RestError
          ? error
          : new RestError(400, 'invalid', `Bad request: ${(error as Error).message}`);
      status = e.status;
      if (e.status === 501) {
        this.unsupported.push(`${method} ${url.pathname}`);
        process.stderr.write(
          `[fake-bigquery] UNSUPPORTED ${method} ${url.pathname}${url.search}: ${e.message}\n`,
        );
      }
      send(res, e.status, {
        error: {
          code: e.status,
          message: e.message,
          errors: [{ message: e.message, domain: 'global', reason: e.reason }],
          status: statusName(e.status),
        },
      });
    }
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body, status });
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    data: Buffer | undefined,
  ): { status: number; body: unknown } {
    const upload = /^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.exec(path);
    if (upload && method === 'POST') return this.insertJob(decode(upload[1]!), asObject(body), data);

    const m = /^\/bigquery\/v2\/projects\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) throw new RestError(501, 'notImplemented', `fake-bigquery: ${method} ${path} is not implemented`);
    const projectId = decode(m[1]!);
    const rest = m[2] ?? '';
    let r: RegExpExecArray | null;
    if ((r = /^\/datasets\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const dataset = this.store.dataset(projectId, decode(r[1]!));
      if (!dataset) throw new RestError(404, 'notFound', `Not found: Dataset ${projectId}:${decode(r[1]!)}`);
      return { status: 200, body: dataset.resource };
    }
    if (rest === '/datasets' && method === 'POST') return this.insertDataset(projectId, asObject(body));
    if ((r = /^\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const table = this.store.table(projectId, decode(r[1]!), decode(r[2]!));
      if (!table) {
        throw new RestError(
          404,
          'notFound',
          `Not found: Table ${projectId}:${decode(r[1]!)}.${decode(r[2]!)}`,
        );
      }
      return { status: 200, body: { ...table.resource, numRows: String(table.rows.length) } };
    }
    if ((r = /^\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(rest)) && method === 'DELETE') {
      const dataset = this.store.dataset(projectId, decode(r[1]!));
      if (!dataset?.tables.delete(decode(r[2]!)))
        throw new RestError(
          404,
          'notFound',
          `Not found: Table ${projectId}:${decode(r[1]!)}.${decode(r[2]!)}`,
        );
      return { status: 204, body: undefined };
    }
    if ((r = /^\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(rest)) && method === 'PATCH') {
      return this.patchTable(projectId, decode(r[1]!), decode(r[2]!), asObject(body));
    }
    if ((r = /^\/datasets\/([^/]+)\/tables$/.exec(rest)) && method === 'POST') {
      return this.insertTable(projectId, decode(r[1]!), asObject(body));
    }
    if (rest === '/queries' && method === 'POST') return this.jobsQuery(projectId, asObject(body));
    if ((r = /^\/queries\/([^/]+)$/.exec(rest)) && method === 'GET') {
      return this.getQueryResults(decode(r[1]!), query);
    }
    if (rest === '/jobs' && method === 'POST') return this.insertJob(projectId, asObject(body), undefined);
    if ((r = /^\/jobs\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const job = this.jobs.get(decode(r[1]!));
      if (!job) throw new RestError(404, 'notFound', `Not found: Job ${projectId}:${decode(r[1]!)}`);
      return { status: 200, body: job.resource };
    }
    throw new RestError(501, 'notImplemented', `fake-bigquery: ${method} ${path} is not implemented`);
  }

  private insertDataset(projectId: string, body: Record<string, unknown>): { status: number; body: unknown } {
    const ref = asObject(body.datasetReference);
    const datasetId = String(ref.datasetId ?? '');
    if (!/^\w{1,1024}$/.test(datasetId))
      throw new RestError(400, 'invalid', `Invalid dataset ID "${datasetId}"`);
    if (this.store.dataset(projectId, datasetId)) {
      throw new RestError(409, 'duplicate', `Already Exists: Dataset ${projectId}:${datasetId}`);
    }
    const resource = {
      ...body,
      kind: 'bigquery#dataset',
      id: `${projectId}:${datasetId}`,
      datasetReference: { projectId, datasetId },
      location: body.location ?? 'US',
      creationTime: String(Date.now()),
    };
    this.store.addDataset(projectId, datasetId, resource);
    return { status: 200, body: resource };
  }

  private insertTable(
    projectId: string,
    datasetId: string,
    body: Record<string, unknown>,
  ): { status: number; body: unknown } {
    const dataset = this.store.dataset(projectId, datasetId);
    if (!dataset) throw new RestError(404, 'notFound', `Not found: Dataset ${projectId}:${datasetId}`);
    const tableId = String(asObject(body.tableReference).tableId ?? '');
    if (!/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u.test(tableId)) {
      throw new RestError(400, 'invalid', `Invalid table ID "${tableId}"`);
    }
    if (dataset.tables.has(tableId)) {
      throw new RestError(409, 'duplicate', `Already Exists: Table ${projectId}:${datasetId}.${tableId}`);
    }
    const view = body.view === undefined ? undefined : asObject(body.view);
    let schema: FieldSchema[] = [];
    if (view) {
      const sql = String(view.query ?? '');
      this.statements.push({ kind: 'view', sql });
      if (view.useLegacySql !== false) {
        throw new RestError(400, 'invalid', 'The view must set useLegacySql: false (its SQL is GoogleSQL)');
      }
      const syntax = checkSyntax(sql);
      if (syntax) throw new RestError(400, 'invalidQuery', syntax);
      const missing = this.queries.missingTables(sql, projectId);
      if (missing)
        throw new RestError(404, 'notFound', `Not found: Table ${missing} was not found in location US`);
    } else {
      schema = checkSchema(asObject(body.schema).fields);
      checkPartitioning(body.timePartitioning, schema);
      checkClustering(body.clustering, schema);
    }
    const type = view ? 'VIEW' : 'TABLE';
    const resource = {
      ...body,
      kind: 'bigquery#table',
      id: `${projectId}:${datasetId}.${tableId}`,
      tableReference: { projectId, datasetId, tableId },
      type,
      creationTime: String(Date.now()),
    };
    const table: FakeTable = { projectId, datasetId, tableId, resource, type, schema, rows: [] };
    dataset.tables.set(tableId, table);
    return { status: 200, body: resource };
  }

  /**
   * `tables.patch`: a view's query and description; a table's description, and its schema, checked
   * as the service checks a schema update (see schema-updates.ts: fields only added, at the end).
   */
  private patchTable(
    projectId: string,
    datasetId: string,
    tableId: string,
    body: Record<string, unknown>,
  ): { status: number; body: unknown } {
    const table = this.store.table(projectId, datasetId, tableId);
    if (!table) throw new RestError(404, 'notFound', `Not found: Table ${projectId}:${datasetId}.${tableId}`);
    const allowed =
      table.type === 'VIEW'
        ? ['view', 'description', 'tableReference']
        : ['description', 'schema', 'tableReference'];
    const other = Object.keys(body).filter((k) => !allowed.includes(k));
    if (other.length > 0) {
      throw new RestError(
        501,
        'notImplemented',
        `fake-bigquery: patching ${other.join(', ')} of a ${table.type} is not implemented`,
      );
    }
    if (body.view !== undefined) {
      const view = asObject(body.view);
      const sql = String(view.query ?? '');
      this.statements.push({ kind: 'view', sql });
      if (view.useLegacySql !== false) {
        throw new RestError(400, 'invalid', 'The view must set useLegacySql: false (its SQL is GoogleSQL)');
      }
      const syntax = checkSyntax(sql);
      if (syntax) throw new RestError(400, 'invalidQuery', syntax);
    }
    if (body.schema !== undefined) {
      const fields = checkSchema(asObject(body.schema).fields);
      try {
        checkSchemaUpdate(`${projectId}:${datasetId}.${tableId}`, table.schema, fields);
      } catch (error) {
        if (error instanceof SchemaUpdateError)
          throw new RestError(error.status, error.reason, error.message);
        throw error;
      }
      setSchema(table, fields);
    }
    const { schema: _schema, ...rest } = body;
    Object.assign(table.resource, rest, { tableReference: { projectId, datasetId, tableId } });
    return { status: 200, body: table.resource };
  }

  /** `jobs.query`: runs the query and answers with its first page. */
  private jobsQuery(projectId: string, body: Record<string, unknown>): { status: number; body: unknown } {
    const sql = String(body.query ?? '');
    this.statements.push({ kind: 'query', sql });
    if (body.useLegacySql !== false) {
      throw new RestError(400, 'invalid', 'fake-bigquery: only GoogleSQL (useLegacySql: false) is supported');
    }
    const given = asObject(body.defaultDataset);
    const defaultDataset =
      typeof given.datasetId === 'string'
        ? { projectId: String(given.projectId ?? projectId), datasetId: given.datasetId }
        : undefined;
    const outcome = this.queries.run(sql, projectId, defaultDataset);
    if (!outcome.ok) throw new RestError(outcome.status, outcome.reason, outcome.message);
    const jobId = `job_${randomUUID().replaceAll('-', '')}`;
    const location = String(body.location ?? 'US');
    const jobReference = { projectId, jobId, location };
    this.jobs.set(jobId, {
      resource: doneJob(jobReference, { query: { query: sql } }),
      result: outcome.result,
    });
    const format = asObject(body.formatOptions);
    return {
      status: 200,
      body: {
        kind: 'bigquery#queryResponse',
        jobReference,
        jobComplete: true,
        cacheHit: false,
        ...this.page(
          outcome.result,
          0,
          Number(body.maxResults ?? this.pageSize),
          format.useInt64Timestamp === true,
        ),
      },
    };
  }

  /** `jobs.getQueryResults`: one page of a finished query's rows. */
  private getQueryResults(jobId: string, query: URLSearchParams): { status: number; body: unknown } {
    const job = this.jobs.get(jobId);
    if (!job?.result) throw new RestError(404, 'notFound', `Not found: Job ${jobId}`);
    const start = Number(query.get('pageToken') ?? query.get('startIndex') ?? 0);
    const max = Number(query.get('maxResults') ?? this.pageSize);
    return {
      status: 200,
      body: {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: asObject(job.resource.jobReference),
        jobComplete: true,
        cacheHit: false,
        ...this.page(job.result, start, max, query.get('formatOptions.useInt64Timestamp') === 'true'),
      },
    };
  }

  private page(result: CannedResult, start: number, max: number, useInt64Timestamp: boolean): object {
    if (result.numDmlAffectedRows !== undefined)
      return { numDmlAffectedRows: String(result.numDmlAffectedRows), totalRows: '0' };
    const size = Math.max(1, Math.min(max || this.pageSize, this.pageSize));
    const slice = result.rows.slice(start, start + size);
    const next = start + size < result.rows.length ? String(start + size) : undefined;
    return {
      schema: { fields: result.schema },
      totalRows: String(result.rows.length),
      rows: slice.map((row) => ({
        f: result.schema.map((field) => ({ v: restCell(field, row[field.name], useInt64Timestamp) })),
      })),
      ...(next === undefined ? {} : { pageToken: next }),
    };
  }

  /** `jobs.insert`: a load job (multipart upload of newline-delimited JSON) or a query job. */
  private insertJob(
    projectId: string,
    body: Record<string, unknown>,
    data: Buffer | undefined,
  ): { status: number; body: unknown } {
    const configuration = asObject(body.configuration);
    const given = asObject(body.jobReference);
    const jobReference = {
      projectId,
      jobId: String(given.jobId ?? `job_${randomUUID().replaceAll('-', '')}`),
      location: String(given.location ?? 'US'),
    };
    if (this.jobs.has(jobReference.jobId)) {
      throw new RestError(409, 'duplicate', `Already Exists: Job ${projectId}:${jobReference.jobId}`);
    }
    if (configuration.query !== undefined) {
      const sql = String(asObject(configuration.query).query ?? '');
      this.statements.push({ kind: 'query', sql });
      const outcome = this.queries.run(sql, projectId);
      const resource = doneJob(jobReference, configuration, outcome.ok ? undefined : outcome);
      this.jobs.set(jobReference.jobId, { resource, ...(outcome.ok ? { result: outcome.result } : {}) });
      return { status: 200, body: resource };
    }
    if (configuration.load !== undefined && data !== undefined) {
      const failure = this.load(asObject(configuration.load), data);
      const resource = doneJob(jobReference, configuration, failure);
      this.jobs.set(jobReference.jobId, { resource });
      return { status: 200, body: resource };
    }
    throw new RestError(
      501,
      'notImplemented',
      'fake-bigquery: only query jobs and uploaded load jobs are implemented',
    );
  }

  /** Runs a load job at once; returns its failure, if any (a failed load changes nothing). */
  private load(load: Record<string, unknown>, data: Buffer): { reason: string; message: string } | undefined {
    const ref = asObject(load.destinationTable);
    const table = this.store.table(String(ref.projectId), String(ref.datasetId), String(ref.tableId));
    if (!table || table.type !== 'TABLE') {
      return {
        reason: 'notFound',
        message: `Not found: Table ${ref.projectId}:${ref.datasetId}.${ref.tableId}`,
      };
    }
    if (load.sourceFormat !== 'NEWLINE_DELIMITED_JSON') {
      return {
        reason: 'invalid',
        message: `fake-bigquery: sourceFormat ${String(load.sourceFormat)} is not supported`,
      };
    }
    const rows: Record<string, unknown>[] = [];
    const lines = data.toString('utf8').split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      try {
        rows.push(rowFromJson(table.schema, asObject(JSON.parse(line))));
      } catch (error) {
        const detail = error instanceof RowValueError ? error.message : (error as Error).message;
        return {
          reason: 'invalid',
          message: `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${index + 1}; errors: 1. ${detail}`,
        };
      }
    }
    const disposition = String(load.writeDisposition ?? 'WRITE_APPEND');
    if (disposition === 'WRITE_EMPTY' && table.rows.length > 0) {
      return { reason: 'duplicate', message: `Already Exists: Table ${table.tableId} is not empty` };
    }
    table.rows = disposition === 'WRITE_TRUNCATE' ? rows : [...table.rows, ...rows];
    return undefined;
  }
}

function doneJob(
  jobReference: { projectId: string; jobId: string; location: string },
  configuration: Record<string, unknown>,
  failure?: { reason: string; message: string },
): Record<string, unknown> {
  const now = String(Date.now());
  const errorResult = failure ? { reason: failure.reason, message: failure.message } : undefined;
  return {
    kind: 'bigquery#job',
    id: `${jobReference.projectId}:${jobReference.location}.${jobReference.jobId}`,
    jobReference,
    configuration,
    status: { state: 'DONE', ...(errorResult ? { errorResult, errors: [errorResult] } : {}) },
    statistics: { creationTime: now, startTime: now, endTime: now },
  };
}

function checkSchema(fields: unknown, prefix = ''): FieldSchema[] {
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new RestError(400, 'invalid', `${prefix || 'Table'}: a schema needs at least one field`);
  }
  const seen = new Set<string>();
  return fields.map((raw) => {
    const field = asObject(raw) as unknown as FieldSchema;
    const path = `${prefix}${prefix ? '.' : ''}${String(field.name)}`;
    if (typeof field.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(field.name)) {
      throw new RestError(400, 'invalid', `Invalid field name "${String(field.name)}"`);
    }
    if (seen.has(field.name.toLowerCase()))
      throw new RestError(400, 'invalid', `Duplicate field name ${path}`);
    seen.add(field.name.toLowerCase());
    const type = standardType(String(field.type ?? ''));
    if (!COLUMN_TYPES.has(type))
      throw new RestError(400, 'invalid', `${path}: invalid type ${String(field.type)}`);
    const mode = (field.mode ?? 'NULLABLE').toUpperCase();
    if (!['NULLABLE', 'REQUIRED', 'REPEATED'].includes(mode)) {
      throw new RestError(400, 'invalid', `${path}: invalid mode ${field.mode}`);
    }
    if (type === 'STRUCT') return { ...field, fields: checkSchema(field.fields, path) };
    if (field.fields !== undefined && field.fields.length > 0) {
      throw new RestError(400, 'invalid', `${path}: only RECORD fields have subfields`);
    }
    return field;
  });
}

function checkPartitioning(raw: unknown, schema: readonly FieldSchema[]): void {
  if (raw === undefined) return;
  const partitioning = asObject(raw);
  const type = String(partitioning.type ?? '');
  if (!PARTITION_TYPES.has(type))
    throw new RestError(400, 'invalid', `Invalid time partitioning type "${type}"`);
  if (partitioning.field === undefined) return; // ingestion-time partitioning
  const column = schema.find((f) => f.name === partitioning.field);
  if (!column || isRepeated(column) || !PARTITION_COLUMN_TYPES.has(standardType(column.type))) {
    throw new RestError(
      400,
      'invalid',
      `The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: ${
        column ? column.type : 'no such top-level field'
      } (${String(partitioning.field)})`,
    );
  }
}

function checkClustering(raw: unknown, schema: readonly FieldSchema[]): void {
  if (raw === undefined) return;
  const fields = asObject(raw).fields;
  if (!Array.isArray(fields) || fields.length === 0 || fields.length > 4) {
    throw new RestError(400, 'invalid', 'Clustering needs between 1 and 4 fields');
  }
  for (const name of fields) {
    const column = schema.find((f) => f.name === name);
    if (!column || isRepeated(column) || !CLUSTER_COLUMN_TYPES.has(standardType(column.type))) {
      throw new RestError(
        400,
        'invalid',
        `Clustering field ${String(name)} is not a top-level clusterable column`,
      );
    }
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function decode(segment: string): string {
  return decodeURIComponent(segment);
}

function statusName(status: number): string {
  return (
    (
      { 400: 'INVALID_ARGUMENT', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 501: 'UNIMPLEMENTED' } as Record<
        number,
        string
      >
    )[status] ?? 'UNKNOWN'
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
