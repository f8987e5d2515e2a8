import { IdempotencyStrategy, Storage } from '@google-cloud/storage';

/** Options of {@link createGcsStorage}. */
export interface GcsStorageOptions {
  /**
   * The JSON API's base URL, e.g. `http://127.0.0.1:4443` for a local server. Unset: the
   * `STORAGE_EMULATOR_HOST` environment variable (which the library reads itself) or Google's endpoint.
   * With a custom endpoint the library sends no credentials.
   */
  readonly apiEndpoint?: string;
  /** Retries of a request that failed with 408, 429, 5xx or a broken connection. Default 3. */
  readonly maxRetries?: number;
}

/**
 * A Cloud Storage client configured the way shopstream uses it: Application Default Credentials only
 * (no key files), and retries for every request including uploads. The library retries uploads only
 * when they carry a generation precondition, unless told otherwise; our objects are whole files with
 * names unique to their writer, so sending one twice is harmless.
 */
export function createGcsStorage(options: GcsStorageOptions = {}): Storage {
  const maxRetries = options.maxRetries ?? 3;
  return new Storage({
    ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    retryOptions: {
      // The library reads 0 as "use the default": turn retries off explicitly instead.
      autoRetry: maxRetries > 0,
      maxRetries: Math.max(1, maxRetries),
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  });
}
