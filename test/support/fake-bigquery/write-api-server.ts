import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import type { BigQueryStore, FakeTable } from './bigquery-store.js';
import { protoRowReader, type ProtoRowReader } from './proto-row-reader.js';
import { checkProtoField, RowValueError, type FieldSchema } from './row-values.js';
import { rowTypeOf, storageProtos } from './storage-protos.js';

/** The Storage Write API's request limit: 10 MB per AppendRows request. */
export const APPEND_REQUEST_LIMIT_BYTES = 10 * 1024 * 1024;

/** One AppendRows request the server answered. */
export interface FakeAppend {
  /** `project.dataset.table`, or the write stream name when it names no table. */
  readonly table: string;
  readonly writeStream: string;
  /** Rows in the request (stored only when `outcome` is `OK`). */
  readonly rowCount: number;
  /** Serialized size of the whole AppendRowsRequest, as it came off the wire. */
  readonly bytes: number;
  readonly traceId: string;
  /**
   * gRPC status name of the answer: `OK`, `UNAVAILABLE` (injected), `INVALID_ARGUMENT`, …; for a
   * request that got no answer (a stalled or dead call), the injected code or `UNAVAILABLE`.
   */
  readonly outcome: string;
  /** Whether the answer was an error status ending the stream (not an in-band response error). */
  readonly streamError: boolean;
}

/** How an injected failure reaches the client. */
export type FaultMode =
  /** An AppendRowsResponse carrying `error` (the connection stays open). */
  | 'response'
  /** The whole AppendRows call ends with the status, as when the service drops a connection. */
  | 'stream'
  /** No answer, to this request or any later one on the call: a stalled connection. */
  | 'hang';

interface Fault {
  remaining: number;
  readonly code: grpc.status;
  readonly message: string;
  readonly mode: FaultMode;
}

interface CallState {
  /** Ended with an error status, or stalled: later requests on the call get no answer. */
  dead: boolean;
  writeStream: string;
  rowType: protobuf.Type | undefined;
  checkedFor: FakeTable | undefined;
  /** Reads rows of the writer schema into `checkedFor`'s schema, as it was when made (`readsInto`). */
  readRow: ProtoRowReader | undefined;
  readsInto: readonly FieldSchema[] | undefined;
}

/** `AppendRowsRequest` as protobufjs decodes it (camelCase fields). */
interface AppendRowsRequest {
  writeStream?: string;
  offset?: { value?: unknown } | null;
  traceId?: string;
  protoRows?: {
    writerSchema?: { protoDescriptor?: protobuf.Message } | null;
    rows?: { serializedRows?: Uint8Array[] } | null;
  } | null;
  arrowRows?: unknown;
}

interface Received {
  readonly request: AppendRowsRequest;
  readonly bytes: number;
}

/** Storage error codes of RowError (storage.proto `RowError.RowErrorCode`). */
const FIELDS_ERROR = 1;

/**
 * The gRPC half of the fake: `google.cloud.bigquery.storage.v1.BigQueryWrite` built from the protos
 * `@google-cloud/bigquery-storage` ships. AppendRows decodes every row with the writer's own
 * `writer_schema.proto_descriptor`, checks it against the table like the service (types, modes,
 * required fields, NUMERIC and TIMESTAMP ranges), and stores it; a request with a bad row stores none
 * and answers INVALID_ARGUMENT with `row_errors`. Only the `_default` stream exists.
 */
export class WriteApiServer {
  readonly appends: FakeAppend[] = [];
  /** Calls the server does not implement; a test should expect none. */
  readonly unsupported: string[] = [];
  private readonly server: grpc.Server;
  private readonly faults: Fault[] = [];
  private port = 0;

  constructor(
    private readonly store: BigQueryStore,
    private readonly maxRequestBytes: number,
  ) {
    // Above the API limit, so an oversized request reaches the handler and gets the service's answer.
    this.server = new grpc.Server({ 'grpc.max_receive_message_length': 4 * APPEND_REQUEST_LIMIT_BYTES });
    const { writeService } = storageProtos();
    const appendRows = writeService.AppendRows!;
    const definition: grpc.ServiceDefinition = {
      ...writeService,
      AppendRows: {
        ...appendRows,
        requestDeserialize: (bytes: Buffer): Received => ({
          request: appendRows.requestDeserialize(bytes) as AppendRowsRequest,
          bytes: bytes.length,
        }),
      },
    };
    const unimplemented =
      (name: string) =>
      (call: { request?: unknown }, callback?: grpc.sendUnaryData<unknown>): void => {
        this.reportUnsupported(`BigQueryWrite.${name}`, call.request);
        callback?.({ code: grpc.status.UNIMPLEMENTED, details: `fake-bigquery: ${name} is not implemented` });
      };
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const name of Object.keys(writeService)) handlers[name] = unimplemented(name);
    handlers.AppendRows = (call: grpc.ServerDuplexStream<Received, unknown>) => this.appendRows(call);
    handlers.GetWriteStream = (
      call: grpc.ServerUnaryCall<{ name?: string }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => this.getWriteStream(call.request, callback);
    this.server.addService(definition, handlers);
  }

  async start(): Promise<string> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    return `127.0.0.1:${this.port}`;
  }

  failNext(count: number, code: grpc.status, mode: FaultMode, message: string): void {
    this.faults.push({ remaining: count, code, mode, message });
  }

  async close(): Promise<void> {
    this.server.forceShutdown();
  }

  private appendRows(call: grpc.ServerDuplexStream<Received, unknown>): void {
    const state: CallState = {
      dead: false,
      writeStream: '',
      rowType: undefined,
      checkedFor: undefined,
      readRow: undefined,
      readsInto: undefined,
    };
    call.on('data', ({ request, bytes }: Received) => {
      const record = (outcome: grpc.status, rowCount: number, streamError = false): void => {
        this.appends.push({
          table: tableNameOf(state.writeStream),
          writeStream: state.writeStream,
          rowCount,
          bytes,
          traceId: request.traceId ?? '',
          outcome: grpc.status[outcome] ?? String(outcome),
          streamError,
        });
      };
      if (request.writeStream) state.writeStream = request.writeStream;
      if (state.dead) {
        record(grpc.status.UNAVAILABLE, request.protoRows?.rows?.serializedRows?.length ?? 0, true);
        return;
      }
      const descriptor = request.protoRows?.writerSchema?.protoDescriptor;
      if (descriptor) {
        try {
          state.rowType = rowTypeOf(descriptor);
          state.checkedFor = undefined;
          state.readsInto = undefined;
        } catch (error) {
          record(grpc.status.INVALID_ARGUMENT, 0, true);
          call.emit('error', {
            code: grpc.status.INVALID_ARGUMENT,
            details: `Invalid proto schema: ${(error as Error).message}`,
          });
          return;
        }
      }
      const serialized = request.protoRows?.rows?.serializedRows ?? [];

      const fault = this.takeFault();
      if (fault) {
        record(fault.code, serialized.length, fault.mode !== 'response');
        if (fault.mode === 'response') {
          call.write({ error: { code: fault.code, message: fault.message }, writeStream: state.writeStream });
        } else {
          state.dead = true;
          if (fault.mode === 'stream') call.emit('error', { code: fault.code, details: fault.message });
        }
        return;
      }

      const answerError = (code: grpc.status, message: string, rowErrors: object[] = []): void => {
        record(code, serialized.length);
        call.write({ error: { code, message }, rowErrors, writeStream: state.writeStream });
      };
      if (bytes > this.maxRequestBytes) {
        return answerError(
          grpc.status.INVALID_ARGUMENT,
          `AppendRows request too large: ${bytes} bytes, limit ${this.maxRequestBytes}`,
        );
      }
      if (request.arrowRows) {
        this.reportUnsupported('AppendRows with arrow_rows', undefined);
        return answerError(grpc.status.UNIMPLEMENTED, 'fake-bigquery: arrow_rows are not implemented');
      }
      if (!state.writeStream) {
        return answerError(grpc.status.INVALID_ARGUMENT, 'write_stream must be set on the first request');
      }
      const m = /^(projects\/[^/]+\/datasets\/[^/]+\/tables\/[^/]+)\/streams\/_default$/.exec(
        state.writeStream,
      );
      const table = m ? this.store.tableOfPath(m[1]!) : undefined;
      if (!table || table.type !== 'TABLE') {
        return answerError(
          grpc.status.NOT_FOUND,
          `Requested entity was not found. Entity: ${state.writeStream}`,
        );
      }
      if (request.offset && request.offset.value !== undefined && request.offset.value !== null) {
        return answerError(grpc.status.INVALID_ARGUMENT, 'The default stream does not accept offsets');
      }
      if (!state.rowType) {
        return answerError(grpc.status.INVALID_ARGUMENT, 'writer_schema must be set on the first request');
      }
      if (state.checkedFor !== table) {
        try {
          checkWriterSchema(table.schema, state.rowType, '');
          state.checkedFor = table;
        } catch (error) {
          return answerError(grpc.status.INVALID_ARGUMENT, (error as Error).message);
        }
      }
      // The table's schema may have gained columns since (ALTER TABLE, tables.patch).
      if (state.readsInto !== table.schema) {
        state.readRow = protoRowReader(table.schema, state.rowType);
        state.readsInto = table.schema;
      }
      const rows: Record<string, unknown>[] = [];
      const rowErrors: object[] = [];
      serialized.forEach((bytesOfRow, index) => {
        try {
          rows.push(state.readRow!(state.rowType!.decode(bytesOfRow) as unknown as Record<string, unknown>));
        } catch (error) {
          const message =
            error instanceof RowValueError ? error.message : `cannot decode row: ${String(error)}`;
          rowErrors.push({ index, code: FIELDS_ERROR, message });
        }
      });
      if (rowErrors.length > 0) {
        return answerError(
          grpc.status.INVALID_ARGUMENT,
          `Errors found while processing rows. Please refer to the row_errors field for details. First: ${
            (rowErrors[0] as { message: string }).message
          }`,
          rowErrors,
        );
      }
      table.rows.push(...rows);
      record(grpc.status.OK, rows.length);
      call.write({ appendResult: {}, writeStream: state.writeStream });
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  }

  private getWriteStream(request: { name?: string }, callback: grpc.sendUnaryData<unknown>): void {
    const name = request.name ?? '';
    const m = /^(projects\/[^/]+\/datasets\/[^/]+\/tables\/[^/]+)\/streams\/_default$/.exec(name);
    const table = m ? this.store.tableOfPath(m[1]!) : undefined;
    if (!table || table.type !== 'TABLE') {
      callback({ code: grpc.status.NOT_FOUND, details: `Requested entity was not found. Entity: ${name}` });
      return;
    }
    callback(null, {
      name,
      type: 'COMMITTED',
      writeMode: 'INSERT',
      tableSchema: { fields: table.schema.map(storageFieldOf) },
    });
  }

  private takeFault(): Fault | undefined {
    const fault = this.faults[0];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.shift();
    return fault;
  }

  private reportUnsupported(what: string, request: unknown): void {
    this.unsupported.push(what);
    process.stderr.write(`[fake-bigquery] UNSUPPORTED gRPC call ${what} ${JSON.stringify(request) ?? ''}\n`);
  }
}

/** The writer schema must name only columns of the table, with types that can carry them. */
function checkWriterSchema(columns: readonly FieldSchema[], type: protobuf.Type, prefix: string): void {
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  for (const field of type.fieldsArray) {
    const path = `${prefix}${prefix ? '.' : ''}${field.name}`;
    const column = byName.get(field.name.toLowerCase());
    if (!column) {
      throw new Error(
        `Input schema has more fields than BigQuery schema, extra fields: '${path}' (SCHEMA_MISMATCH_EXTRA_FIELDS)`,
      );
    }
    field.resolve();
    const isMessage = field.resolvedType !== null && 'fieldsArray' in field.resolvedType;
    checkProtoField(column, { type: field.type, repeated: field.repeated, isMessage }, path);
    if (isMessage) checkWriterSchema(column.fields ?? [], field.resolvedType as protobuf.Type, path);
  }
}

function tableNameOf(writeStream: string): string {
  const m = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)/.exec(writeStream);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : writeStream;
}

/** A REST TableFieldSchema → the Storage API's TableFieldSchema (enum names as strings). */
function storageFieldOf(field: FieldSchema): object {
  const type = field.type.toUpperCase();
  const storageType =
    ({ INTEGER: 'INT64', FLOAT: 'DOUBLE', FLOAT64: 'DOUBLE', BOOLEAN: 'BOOL', RECORD: 'STRUCT' } as const)[
      type as 'INTEGER'
    ] ?? type;
  return {
    name: field.name,
    type: storageType,
    mode: (field.mode ?? 'NULLABLE').toUpperCase(),
    fields: (field.fields ?? []).map(storageFieldOf),
    description: field.description ?? '',
  };
}
