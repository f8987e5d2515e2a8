import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { BackfillSource } from './backfill-source.js';

/** Options of {@link openBackfillSource}; all optional, the environment fills in the rest. */
export interface BackfillSourceOptions {
  /** Cloud Storage JSON API base URL (a local server); default `STORAGE_EMULATOR_HOST` or Google's. */
  readonly gcsApiEndpoint?: string;
  /** S3 client settings; default from `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`, `AWS_REGION`. */
  readonly s3?: { readonly endpoint?: string; readonly region?: string; readonly forcePathStyle?: boolean };
  /** Longest NDJSON line accepted, in bytes (default 64 MiB). */
  readonly maxLineBytes?: number;
}

/** What a backfill URI names. */
export type BackfillLocation =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'gs' | 's3'; readonly bucket: string; readonly prefix: string };

/**
 * Parses `--from`: `gs://bucket[/prefix]`, `s3://bucket[/prefix]`, `file:/path`, `file:///path`,
 * `file:./relative`, or a plain path (`/data/backup`, `./backup`, `backup.json.gz`).
 */
export function parseBackfillUri(uri: string): BackfillLocation {
  const bucket = /^(gs|s3):\/\/([^/]*)\/?(.*)$/.exec(uri);
  if (bucket) {
    if (!bucket[2])
      throw new ShopstreamError('SHOP_E_USAGE', `backfill source "${uri}" names no bucket`, {
        context: { uri },
      });
    return { kind: bucket[1] as 'gs' | 's3', bucket: bucket[2], prefix: bucket[3]! };
  }
  if (uri.startsWith('file://')) return { kind: 'file', path: fileURLToPath(uri) };
  if (uri.startsWith('file:')) return { kind: 'file', path: resolve(uri.slice('file:'.length) || '.') };
  // Any other scheme (http:, az://); a single letter before ':' is a Windows drive, not a scheme.
  if (uri === '' || /^[a-z][a-z0-9+.-]+:/i.test(uri))
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `backfill source "${uri}" is not a local path, file:<path>, gs://bucket/prefix or s3://bucket/prefix`,
      { context: { uri } },
    );
  return { kind: 'file', path: resolve(uri) };
}

/**
 * Opens the backfill source a URI names (see {@link parseBackfillUri}). The cloud SDKs are loaded only
 * for the scheme used. Nothing is contacted until the source is read.
 */
export async function openBackfillSource(
  uri: string,
  options: BackfillSourceOptions = {},
): Promise<BackfillSource> {
  const location = parseBackfillUri(uri);
  const { maxLineBytes } = options;
  switch (location.kind) {
    case 'file': {
      const { FileSource } = await import('./file-source.js');
      return new FileSource({ uri, path: location.path, maxLineBytes });
    }
    case 'gs': {
      const { GcsSource } = await import('./gcs-source.js');
      return new GcsSource({ uri, ...location, apiEndpoint: options.gcsApiEndpoint, maxLineBytes });
    }
    case 's3': {
      const { S3Source } = await import('./s3-source.js');
      return new S3Source({ uri, ...location, ...options.s3, maxLineBytes });
    }
  }
}
