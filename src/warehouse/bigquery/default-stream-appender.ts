import { managedwriter } from '@google-cloud/bigquery-storage';
import type { Logger } from '../../telemetry/logger.js';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { rowCountOf, type EncodedRows } from '../row-encoding.js';
import { ALL_WRITTEN, type AppendResult, type RejectedRow } from '../warehouse.js';
import { splitRequests } from './split-requests.js';
import { storageDescriptorOf, type StorageDescriptor } from './storage-descriptor.js';
import { StorageRowEncoder } from './storage-row-encoder.js';
import type { TableField } from './table-field.js';
import { isTransientWriteError, messageOf, toWarehouseError } from './to-warehouse-error.js';

type WriterClient = managedwriter.WriterClient;
type StreamConnection = Awaited<ReturnType<WriterClient['createStreamConnection']>>;
type Writer = managedwriter.Writer;

/** How the appender splits, paces and retries AppendRows requests. */
export interface AppendPolicy {
  /** Size limit of one AppendRows request, in bytes (the API allows 10 MB). */
  readonly maxRequestBytes: number;
  /** Requests of one append() in flight at once on the connection. */
  readonly maxInflightRequests: number;
  /** How long one request may wait for its answer before it counts as a transient failure. */
  readonly requestTimeoutMs: number;
  /** Attempts per request (the first included) on transient errors, with exponential backoff. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/**
 * What a request carries besides its rows and writer schema, at most: the stream name's framing and
 * the library's trace id, the ProtoRows and ProtoSchema framing (a tag and a length each).
 */
const REQUEST_FRAMING_BYTES = 256;
/** A row's framing in `serialized_rows`: its tag and the varint of its length. */
const ROW_FRAMING_BYTES = 6;

/** A serialized row ready to send, and where it was among the rows given to append(). */
interface PositionedRow {
  readonly bytes: Uint8Array;
  readonly position: number;
}

interface OpenWriter {
  readonly connection: StreamConnection;
  readonly writer: Writer;
}

/** An AppendRowsResponse that carries an error, as an error with the service's code and row errors. */
class AppendResponseError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly rowErrors: readonly { index: number; message: string }[],
  ) {
    super(message);
  }
}

/**
 * Appends rows of one table through the Storage Write API's `_default` stream with the managed
 * writer (`WriterClient` + `Writer`), as protobuf messages (`ProtoRows.serialized_rows`) of the
 * descriptor derived from the table's schema (see StorageDescriptor): rows encoded here from objects
 * (append), or by a prepare worker with the same descriptor (appendEncoded), which are sent as they are.
 *
 * The default stream is made for this use: rows are committed as soon as a request is acknowledged,
 * and any number of connections (pipeline workers, Cloud Run instances) may append to it at once
 * with no coordination. It offers at-least-once delivery: a request retried after an ambiguous
 * failure may be written twice, which the model's views absorb by deduplicating on `event_id`.
 *
 * Each append splits its rows into requests under {@link AppendPolicy.maxRequestBytes}, sends up
 * to `maxInflightRequests` of them at once on one shared connection, and retries each on transient
 * errors (UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL, ABORTED, DEADLINE_EXCEEDED, a dropped connection)
 * with exponential backoff and jitter. The library's own write retries stay off, so every retry is
 * visible here. Rows the service refuses one by one (`row_errors`, for a value the table cannot
 * store) are left out of the request, which is sent again with the others; append() names them in its
 * result. It resolves once every other row is acknowledged.
 */
export class DefaultStreamAppender {
  private readonly descriptor: StorageDescriptor;
  private readonly encoder: StorageRowEncoder;
  /** Bytes of rows (with their framing) one request may carry. */
  private readonly rowBudget: number;
  private opening: Promise<OpenWriter> | undefined;
  private closed = false;

  constructor(
    private readonly client: WriterClient,
    /** `projects/{p}/datasets/{d}/tables/{t}` */
    private readonly tablePath: string,
    fields: readonly TableField[],
    private readonly policy: AppendPolicy,
    private readonly logger: Logger,
  ) {
    this.descriptor = storageDescriptorOf(fields);
    this.encoder = new StorageRowEncoder(fields, this.descriptor.bytes);
    this.rowBudget =
      policy.maxRequestBytes - this.descriptor.bytes.length - tablePath.length - REQUEST_FRAMING_BYTES;
  }

  /**
   * Encodes the rows (on this thread) and appends them; resolves when all are committed but those
   * the service (or the encoding of a value the column cannot take) refused one by one, which the
   * result names. Throws a ShopstreamError when the append as a whole fails.
   */
  async append(rows: readonly object[]): Promise<AppendResult> {
    this.assertOpen();
    if (rows.length === 0) return ALL_WRITTEN;
    const rejected: RejectedRow[] = [];
    const encoded: PositionedRow[] = [];
    rows.forEach((row, position) => {
      try {
        encoded.push({ bytes: this.encoder.encode(row), position });
      } catch (error) {
        // A value the table's type cannot carry: this row's fault, not the others'.
        if (!(error instanceof ShopstreamError)) throw error;
        rejected.push({ index: position, message: error.message });
      }
    });
    return this.appendSerialized(encoded, rejected);
  }

  /**
   * Appends rows serialized elsewhere with this table's descriptor (by a prepare worker, see
   * storage-row-encoder.ts), as they are; the rows it refused while encoding are in the result with
   * the service's refusals, numbered as in `rows`. Otherwise as {@link append}.
   */
  async appendEncoded(rows: EncodedRows): Promise<AppendResult> {
    this.assertOpen();
    const refused = new Set(rows.rejected.map((r) => r.index));
    const { bytes, offsets } = rows;
    const encoded: PositionedRow[] = [];
    for (let position = 0; position < rowCountOf(rows); position++)
      if (!refused.has(position))
        encoded.push({ bytes: bytes.subarray(offsets[position], offsets[position + 1]), position });
    return this.appendSerialized(encoded, [...rows.rejected]);
  }

  close(): void {
    this.closed = true;
    void this.reset();
  }

  private assertOpen(): void {
    if (this.closed)
      throw new ShopstreamError('SHOP_E_INTERNAL', `bigquery: appender of ${this.tablePath} is closed`);
  }

  /** Sends the rows in requests under the size limit, some at once; `rejected` gathers the refused. */
  private async appendSerialized(
    rows: readonly PositionedRow[],
    rejected: RejectedRow[],
  ): Promise<AppendResult> {
    const requests = splitRequests(rows, this.rowBudget, ({ bytes }) => bytes.length + ROW_FRAMING_BYTES);
    let next = 0;
    let failure: unknown;
    const lane = async (): Promise<void> => {
      while (next < requests.length && failure === undefined) {
        const request = requests[next++]!;
        try {
          rejected.push(...(await this.sendWithRetries(request)));
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.policy.maxInflightRequests, requests.length) }, lane),
    );
    if (failure !== undefined) throw failure;
    return rejected.length === 0 ? ALL_WRITTEN : { rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  /**
   * Sends one request until it is committed, and returns the rows the service refused in it. The
   * Storage Write API commits nothing of a request with a row error and names the bad rows in
   * `row_errors`; the request is then sent again without them (as Dataflow's BigQuery sink does), so
   * the good rows are written and the bad ones reported.
   */
  private async sendWithRetries(request: readonly PositionedRow[]): Promise<RejectedRow[]> {
    const rejected: RejectedRow[] = [];
    let rows = request;
    for (let attempt = 1; rows.length > 0; attempt++) {
      if (this.closed) {
        throw new ShopstreamError(
          'SHOP_E_WAREHOUSE_UNAVAILABLE',
          `bigquery: appender of ${this.tablePath} closed while appending`,
          {
            retryable: true,
            context: { table: this.tablePath },
          },
        );
      }
      let open: OpenWriter | undefined;
      try {
        open = await this.open();
        await this.sendOnce(
          open,
          rows.map(({ bytes }) => bytes),
        );
        return rejected;
      } catch (error) {
        const refused = refusedRowsOf(error, rows.length);
        if (refused) {
          for (const [index, message] of refused) rejected.push({ index: rows[index]!.position, message });
          rows = rows.filter((_, index) => !refused.has(index));
          attempt = 0; // a new request, not a retry of a failed one
          continue;
        }
        const what = `append ${rows.length} rows to ${this.tablePath}`;
        if (error instanceof ShopstreamError || !isTransientWriteError(error)) {
          // The caller retries later, once someone fixed the cause (created the table, granted a
          // role): on a new connection then, not one that may still refer to the old state.
          if (open) await this.reset(open);
          throw toWarehouseError(error, what, 'write', { table: this.tablePath });
        }
        // A connection that failed or hung is replaced; an error inside a response leaves it usable.
        if (open && (!(error instanceof AppendResponseError) || !open.connection.isOpen()))
          await this.reset(open);
        if (attempt >= this.policy.maxAttempts) {
          throw toWarehouseError(error, `${what} after ${attempt} attempts`, 'write', {
            table: this.tablePath,
          });
        }
        const delay = backoffMs(attempt, this.policy);
        this.logger.warn(
          { table: this.tablePath, attempt, delayMs: delay, error: messageOf(error) },
          'bigquery append failed transiently; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return rejected;
  }

  private async sendOnce(open: OpenWriter, serializedRows: Uint8Array[]): Promise<void> {
    const pending = open.writer.appendRows({ serializedRows });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer to AppendRows within ${this.policy.requestTimeoutMs} ms`)),
        this.policy.requestTimeoutMs,
      );
    });
    try {
      const response = await Promise.race([pending.getResult(), timeout]);
      const error = response.error;
      if (error && error.code !== undefined && error.code !== null && error.code !== 0) {
        const rowErrors = (response.rowErrors ?? []).map((r) => ({
          index: Number(r.index ?? 0),
          message: String(r.message ?? ''),
        }));
        throw new AppendResponseError(
          error.code,
          error.message ?? `AppendRows failed with code ${error.code}`,
          rowErrors,
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** The shared connection and writer, opened on first use and after a reset. */
  private open(): Promise<OpenWriter> {
    this.opening ??= (async () => {
      const connection = await this.client.createStreamConnection({
        streamId: managedwriter.DefaultStream,
        destinationTable: this.tablePath,
      });
      // Without a listener a connection error would be thrown by the EventEmitter; the failed
      // requests are rejected (and retried) through their own promises.
      connection.onConnectionError((error) =>
        this.logger.debug(
          { table: this.tablePath, error: messageOf(error) },
          'bigquery write connection error',
        ),
      );
      const writer = new managedwriter.Writer({ connection, protoDescriptor: this.descriptor.proto });
      return { connection, writer };
    })();
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }

  /** Closes the connection (if it is still `open`) and fails its pending requests so they retry. */
  private async reset(expected?: OpenWriter): Promise<void> {
    const opening = this.opening;
    if (!opening) return;
    const open = await opening.catch(() => undefined);
    if (expected && open !== expected) return;
    if (this.opening === opening) this.opening = undefined;
    if (!open) return;
    // close() removes the listeners that would settle pending requests, so abort them first.
    for (const pending of open.connection.getPendingWrites()) pending.abort();
    open.writer.close();
  }
}

function backoffMs(attempt: number, policy: AppendPolicy): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * The rows of a request the service refused one by one (request index → its message), when the
 * response says so; undefined for any other failure, or row errors that do not name rows of it.
 */
function refusedRowsOf(error: unknown, requestRows: number): Map<number, string> | undefined {
  if (!(error instanceof AppendResponseError) || error.rowErrors.length === 0) return undefined;
  const refused = new Map<number, string>();
  for (const { index, message } of error.rowErrors) {
    if (!Number.isInteger(index) || index < 0 || index >= requestRows) return undefined;
    refused.set(index, message || error.message);
  }
  return refused;
}
