import { ShopstreamError } from '../../errors/shopstream-error.js';

/** Statuses after which the same request may succeed later without anyone changing anything. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/**
 * Write failures an operator fixes (IAM binding, missing bucket): retryable like a local EACCES, so
 * the pipeline keeps the messages unacked rather than giving up on them.
 */
const FIXABLE_WRITE_STATUSES = new Set([401, 403, 404]);

/** The HTTP status of a `@google-cloud/storage` error (its `code` is the status), if it has one. */
export function gcsStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Maps a `@google-cloud/storage` failure to a {@link ShopstreamError}. Reads are retryable on 408,
 * 429, 5xx and network failures (no HTTP status); writes also on 401/403/404, as the port promises a
 * retryable SHOP_E_LAKE_WRITE, except when the request itself is invalid (other 4xx).
 */
export function gcsError(
  code: 'SHOP_E_LAKE_WRITE' | 'SHOP_E_LAKE_READ',
  what: string,
  error: unknown,
  context: Readonly<Record<string, unknown>> = {},
): ShopstreamError {
  if (error instanceof ShopstreamError) return error;
  const status = gcsStatusOf(error);
  const transient = status === undefined || TRANSIENT_STATUSES.has(status) || status >= 500;
  const retryable = transient || (code === 'SHOP_E_LAKE_WRITE' && FIXABLE_WRITE_STATUSES.has(status));
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const hint = status === 401 || status === 403 ? ' (check the IAM permissions on the bucket)' : '';
  const errno = (error as { code?: unknown } | null)?.code;
  return new ShopstreamError(code, `${what}: ${status ? `HTTP ${status} ` : ''}${reason}${hint}`, {
    retryable,
    context: { ...context, status, ...(typeof errno === 'string' ? { errno } : {}) },
    cause: error,
  });
}
