import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { AppendPolicy } from './default-stream-appender.js';

/**
 * Options of a {@link BigQueryWarehouse}. Authentication is by Application Default Credentials only
 * (the Cloud Run service account, or `gcloud auth application-default login`); there is no key-file
 * option on purpose.
 *
 * @example
 * new BigQueryWarehouse({ uri: 'bigquery:my-project.shop', projectId: 'my-project', datasetId: 'shop' });
 * // A local server speaking BigQuery's protocols (tests): plaintext gRPC, no credentials.
 * new BigQueryWarehouse({ uri, projectId: 'p', datasetId: 'd', apiEndpoint: 'http://127.0.0.1:9050',
 *   writeEndpoint: '127.0.0.1:9060', credentials: 'none' });
 */
export interface BigQueryWarehouseOptions {
  readonly uri: string;
  readonly projectId: string;
  readonly datasetId: string;
  /** Where ensureSchema() creates the dataset (`US`, `EU`, `europe-west1`…); default: the API's (US). */
  readonly location?: string;
  /** Base URL of the BigQuery REST API; default `https://bigquery.googleapis.com`. */
  readonly apiEndpoint?: string;
  /** `host:port` of the Storage Write API (gRPC); default `bigquerystorage.googleapis.com:443`. */
  readonly writeEndpoint?: string;
  /**
   * `adc` (default): Application Default Credentials over TLS. `none`: no credentials and plaintext
   * gRPC, only for a local server that speaks the protocols (tests); it requires both endpoints.
   */
  readonly credentials?: 'adc' | 'none';
  /** Retries of a failed REST call (network, 429, 5xx) inside the client library; default 3. */
  readonly restMaxRetries?: number;
  /** Estimated size limit of one AppendRows request in bytes; default 9 MiB (the API allows 10 MB). */
  readonly maxAppendRequestBytes?: number;
  /** AppendRows requests of one append() in flight at once; default 4. */
  readonly maxInflightAppends?: number;
  /** How long one AppendRows request may wait for its answer; default 60 s. */
  readonly appendTimeoutMs?: number;
  /** Retries of AppendRows on transient errors (the first attempt included); default 6 from 200 ms to 10 s. */
  readonly retry?: {
    readonly maxAttempts?: number;
    readonly initialBackoffMs?: number;
    readonly maxBackoffMs?: number;
  };
}

/** {@link BigQueryWarehouseOptions} validated, with defaults applied, frozen. */
export interface CompiledBigQueryWarehouseOptions {
  readonly uri: string;
  readonly projectId: string;
  readonly datasetId: string;
  readonly location: string | undefined;
  readonly apiEndpoint: string | undefined;
  readonly writeEndpoint: { readonly host: string; readonly port: number } | undefined;
  readonly credentials: 'adc' | 'none';
  readonly restMaxRetries: number;
  readonly append: AppendPolicy;
}

/** The Storage Write API accepts AppendRows requests up to 10 MB; 1 MiB stays free for the estimate. */
export const APPEND_DEFAULTS: AppendPolicy = {
  maxRequestBytes: 9 * 1024 * 1024,
  maxInflightRequests: 4,
  requestTimeoutMs: 60_000,
  maxAttempts: 6,
  initialBackoffMs: 200,
  maxBackoffMs: 10_000,
};

/** Validates options, applies defaults, freezes the result. Throws SHOP_E_CONFIG_INVALID. */
export function compileBigQueryWarehouseOptions(
  options: BigQueryWarehouseOptions,
): CompiledBigQueryWarehouseOptions {
  // Loose on purpose (Google ids are 6-30 of [a-z0-9-], or domain:id): what matters is that it
  // cannot break out of `projects/<id>/…` resource names.
  if (!/^[a-z0-9][a-z0-9.:-]*$/.test(options.projectId ?? '')) {
    throw invalid('projectId', options.projectId, 'a Google Cloud project id such as my-project-123');
  }
  if (!/^\w{1,1024}$/.test(options.datasetId ?? '')) {
    throw invalid('datasetId', options.datasetId, 'letters, digits and underscores');
  }
  if (options.apiEndpoint !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(options.apiEndpoint)) {
    throw invalid('apiEndpoint', options.apiEndpoint, 'a base URL such as https://bigquery.googleapis.com');
  }
  let writeEndpoint: CompiledBigQueryWarehouseOptions['writeEndpoint'];
  if (options.writeEndpoint !== undefined) {
    const m = /^([^\s/:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(options.writeEndpoint);
    if (!m) throw invalid('writeEndpoint', options.writeEndpoint, 'host:port, such as 127.0.0.1:9060');
    writeEndpoint = Object.freeze({ host: m[1]!, port: Number(m[2]) });
  }
  const credentials = options.credentials ?? 'adc';
  if (credentials !== 'adc' && credentials !== 'none') {
    throw invalid('credentials', credentials, 'adc or none');
  }
  if (credentials === 'none' && (options.apiEndpoint === undefined || writeEndpoint === undefined)) {
    // Without credentials only a local server would answer; never send anonymous calls to Google.
    throw invalid(
      'credentials',
      credentials,
      'adc, unless both apiEndpoint and writeEndpoint name a local server',
    );
  }
  const retry = options.retry ?? {};
  const append: AppendPolicy = Object.freeze({
    maxRequestBytes: positive(
      'maxAppendRequestBytes',
      options.maxAppendRequestBytes,
      APPEND_DEFAULTS.maxRequestBytes,
    ),
    maxInflightRequests: positive(
      'maxInflightAppends',
      options.maxInflightAppends,
      APPEND_DEFAULTS.maxInflightRequests,
    ),
    requestTimeoutMs: positive('appendTimeoutMs', options.appendTimeoutMs, APPEND_DEFAULTS.requestTimeoutMs),
    maxAttempts: positive('retry.maxAttempts', retry.maxAttempts, APPEND_DEFAULTS.maxAttempts),
    initialBackoffMs: positive(
      'retry.initialBackoffMs',
      retry.initialBackoffMs,
      APPEND_DEFAULTS.initialBackoffMs,
    ),
    maxBackoffMs: positive('retry.maxBackoffMs', retry.maxBackoffMs, APPEND_DEFAULTS.maxBackoffMs),
  });
  return Object.freeze({
    uri: options.uri,
    projectId: options.projectId,
    datasetId: options.datasetId,
    location: options.location,
    apiEndpoint: options.apiEndpoint?.replace(/\/$/, ''),
    writeEndpoint,
    credentials,
    restMaxRetries: nonNegative('restMaxRetries', options.restMaxRetries, 3),
    append,
  });
}

function positive(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw invalid(key, value, 'a positive integer');
  return value;
}

function nonNegative(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw invalid(key, value, 'a whole number, 0 or more');
  return value;
}

function invalid(key: string, value: unknown, expected: string): ShopstreamError {
  return new ShopstreamError(
    'SHOP_E_CONFIG_INVALID',
    `bigquery warehouse: ${key} ${JSON.stringify(value) ?? String(value)} is not valid; expected ${expected}`,
    { context: { key, value } },
  );
}
