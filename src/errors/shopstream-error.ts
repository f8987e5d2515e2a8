import type { ErrorCode } from './error-codes.js';

/** Options of a {@link ShopstreamError}. */
export interface ShopstreamErrorOptions {
  /** Whether retrying the same operation later may succeed (network, lock, disk full). */
  readonly retryable?: boolean;
  /** Machine-readable details, logged and shown with the message. */
  readonly context?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * The one error type of shopstream: a stable `code` from {@link ERROR_CODES}, a human message that says
 * what is wrong and how to fix it, whether it is retryable, and its context.
 *
 * @example
 * throw new ShopstreamError('SHOP_E_CONFIG_INVALID', 'bus: expected embedded:<dir> or pubsub:<project>', {
 *   context: { key: 'bus', value: 'kafka:x' },
 * });
 */
export class ShopstreamError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ShopstreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShopstreamError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = Object.freeze({ ...options.context });
  }
}

/** True when `error` is worth retrying: a retryable ShopstreamError, or anything not ours. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ShopstreamError ? error.retryable : true;
}
