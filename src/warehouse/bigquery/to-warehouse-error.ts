import { ShopstreamError } from '../../errors/shopstream-error.js';
import { GRPC_STATUS } from '../../util/grpc-status.js';

/**
 * Storage Write API codes worth another attempt: the connection, the service's load, or a race.
 * The same call with the same rows may then succeed.
 */
const TRANSIENT_GRPC: ReadonlySet<number> = new Set([
  GRPC_STATUS.UNAVAILABLE,
  GRPC_STATUS.RESOURCE_EXHAUSTED,
  GRPC_STATUS.INTERNAL,
  GRPC_STATUS.ABORTED,
  GRPC_STATUS.DEADLINE_EXCEEDED,
  GRPC_STATUS.CANCELLED,
]);

/** REST statuses worth another attempt (the client library already retried them a few times). */
const TRANSIENT_HTTP: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Network failures below HTTP/gRPC. */
const TRANSIENT_NETWORK =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|ENETUNREACH|ECONNABORTED)$/;

interface ErrorFields {
  code?: unknown;
  details?: unknown;
  message?: unknown;
  errors?: { reason?: unknown; message?: unknown }[];
}

/** Whether an error of the Storage Write API (gRPC) may succeed when the append is sent again. */
export function isTransientWriteError(error: unknown): boolean {
  const code = (error as ErrorFields | null)?.code;
  // No code: a connection the library dropped ("aborted", "ended with no status"), or our timeout.
  if (code === undefined || code === null) return true;
  if (typeof code === 'string') return TRANSIENT_NETWORK.test(code);
  return typeof code === 'number' && TRANSIENT_GRPC.has(code);
}

/** Whether an error of the REST API may succeed when the call is made again. */
export function isTransientRestError(error: unknown): boolean {
  const code = (error as ErrorFields | null)?.code;
  if (typeof code === 'string') return TRANSIENT_NETWORK.test(code);
  // No code and not a network failure: a library or programming error, which a retry will not cure.
  if (typeof code !== 'number') return false;
  return code >= 100 ? TRANSIENT_HTTP.has(code) : TRANSIENT_GRPC.has(code);
}

/** The service's own words: gRPC `details`, or the REST error message. */
export function messageOf(error: unknown): string {
  const e = error as ErrorFields | null;
  if (typeof e?.details === 'string' && e.details.length > 0) return e.details;
  if (typeof e?.message === 'string' && e.message.length > 0) return e.message;
  return String(error);
}

/**
 * Maps an error of the BigQuery client libraries to a {@link ShopstreamError}:
 *
 * - transient (gRPC UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL, ABORTED, DEADLINE_EXCEEDED, CANCELLED;
 *   HTTP 408/429/5xx; network errors) → SHOP_E_WAREHOUSE_UNAVAILABLE, retryable;
 * - no Application Default Credentials → SHOP_E_WAREHOUSE_UNAVAILABLE, not retryable, with the fix;
 * - for a query (`kind: 'query'`), any other refusal → SHOP_E_WAREHOUSE_QUERY with the engine's message;
 * - a missing table or dataset (gRPC NOT_FOUND, HTTP 404) or rows with columns the table lacks →
 *   SHOP_E_WAREHOUSE_SCHEMA (run `shopstream setup`);
 * - anything else (invalid rows, permission denied) → SHOP_E_WAREHOUSE_REJECTED, not retryable.
 *
 * ShopstreamErrors pass through unchanged.
 *
 * @param what what was being done, for the message: `append 500 rows to orders`.
 */
export function toWarehouseError(
  error: unknown,
  what: string,
  kind: 'query' | 'write' | 'admin',
  context: Record<string, unknown> = {},
): ShopstreamError {
  if (error instanceof ShopstreamError) return error;
  const reason = messageOf(error);
  const code = (error as ErrorFields | null)?.code;
  const fullContext = { ...context, code };
  const transient = kind === 'write' ? isTransientWriteError(error) : isTransientRestError(error);
  if (isCredentialsError(reason)) {
    return new ShopstreamError(
      'SHOP_E_WAREHOUSE_UNAVAILABLE',
      `bigquery: cannot ${what}: no Application Default Credentials (${reason}). ` +
        'Run `gcloud auth application-default login`, or run on Google Cloud with a service account.',
      { context: fullContext, cause: error },
    );
  }
  if (transient) {
    return new ShopstreamError('SHOP_E_WAREHOUSE_UNAVAILABLE', `bigquery: cannot ${what}: ${reason}`, {
      retryable: true,
      context: fullContext,
      cause: error,
    });
  }
  if (kind === 'query') {
    return new ShopstreamError('SHOP_E_WAREHOUSE_QUERY', `bigquery: ${reason}`, {
      context: fullContext,
      cause: error,
    });
  }
  const notFound = code === 404 || (kind === 'write' && code === GRPC_STATUS.NOT_FOUND);
  if (notFound || /SCHEMA_MISMATCH|schema has more fields|no such field/i.test(reason)) {
    return new ShopstreamError(
      'SHOP_E_WAREHOUSE_SCHEMA',
      `bigquery: cannot ${what}: ${reason} (run \`shopstream setup\`)`,
      { context: fullContext, cause: error },
    );
  }
  const hint =
    code === 403 ||
    code === 401 ||
    code === GRPC_STATUS.PERMISSION_DENIED ||
    code === GRPC_STATUS.UNAUTHENTICATED
      ? ' Check the credentials and their BigQuery roles (BigQuery Data Editor, Job User).'
      : '';
  return new ShopstreamError('SHOP_E_WAREHOUSE_REJECTED', `bigquery: cannot ${what}: ${reason}.${hint}`, {
    context: fullContext,
    cause: error,
  });
}

function isCredentialsError(message: string): boolean {
  return /Could not load the default credentials|Unable to detect a Project Id/i.test(message);
}
