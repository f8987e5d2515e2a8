import { ShopstreamError } from '../../errors/shopstream-error.js';

/** Statuses after which the same request may succeed later without anyone changing anything. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** The HTTP status of a `@google-cloud/storage` error (its `code` is the status), if it has one. */
export function gcsStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Maps a `@google-cloud/storage` failure to a {@link ShopstreamError}: retryable on 408, 429, 5xx and
 * network failures (no HTTP status), which may pass by themselves; not retryable otherwise — a
 * permission (401/403, the IAM binding) or a missing bucket (404) that someone must fix, or an
 * invalid request. The pipeline holds its messages either way, and reports the second kind as a
 * blocked sink until it is fixed.
 */
export function gcsError(
  code: 'SHOP_E_LAKE_WRITE' | 'SHOP_E_LAKE_READ',
  what: string,
  error: unknown,
  context: Readonly<Record<string, unknown>> = {},
): ShopstreamError {
  if (error instanceof ShopstreamError) return error;
  const status = gcsStatusOf(error);
  const retryable = status === undefined || TRANSIENT_STATUSES.has(status) || status >= 500;
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const hint =
    status === 401 || status === 403
      ? ' (check the IAM permissions on the bucket)'
      : status === 404
        ? ' (does the bucket exist?)'
        : '';
  const errno = (error as { code?: unknown } | null)?.code;
  return new ShopstreamError(code, `${what}: ${status ? `HTTP ${status} ` : ''}${reason}${hint}`, {
    retryable,
    context: { ...context, status, ...(typeof errno === 'string' ? { errno } : {}) },
    cause: error,
  });
}
