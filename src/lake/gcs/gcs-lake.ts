import type { Bucket, GetFilesResponse, Storage } from '@google-cloud/storage';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { assertSafeKey } from '../lake-key.js';
import type { Lake, LakeContent, LakeFile } from '../lake.js';
import { gcsError, gcsStatusOf } from './gcs-error.js';
import { createGcsStorage } from './gcs-storage.js';

/** Options of a {@link GcsLake}. */
export interface GcsLakeOptions {
  /** The URI the lake was opened from, for logs (`gs://bucket/prefix`). */
  readonly uri: string;
  readonly bucket: string;
  /** Folder inside the bucket that holds the lake (`a/b`); keys are object names below it. */
  readonly prefix?: string;
  /** The JSON API's base URL, for a local server; else `STORAGE_EMULATOR_HOST` or Google's. */
  readonly apiEndpoint?: string;
  /** Retries of a request that failed with 408, 429, 5xx or a broken connection. Default 3. */
  readonly maxRetries?: number;
  /** Time limit of one upload request, in ms. Default 60,000. */
  readonly uploadTimeoutMs?: number;
  /** Objects per list request. Default 1,000 (the API's maximum). */
  readonly listPageSize?: number;
  /** A client to use instead of creating one (then apiEndpoint and maxRetries are ignored). */
  readonly storage?: Storage;
}

/**
 * The lake in a Cloud Storage bucket (`gs://bucket[/prefix]`), through `@google-cloud/storage` with
 * Application Default Credentials.
 *
 * Every file is one single-request (multipart) upload, never a resumable session: Cloud Storage makes
 * an object visible only when its upload completes, so readers see all of it or nothing, and the
 * library checks the CRC32C the service reports against the bytes sent.
 *
 * @example
 * const lake = new GcsLake({ uri: 'gs://my-lake/prod', bucket: 'my-lake', prefix: 'prod' });
 * await lake.start(); // checks storage.objects.create on the bucket
 */
export class GcsLake implements Lake {
  readonly uri: string;
  private readonly bucket: Bucket;
  /** '' or the prefix with a trailing '/'. */
  private readonly base: string;
  private readonly uploadTimeoutMs: number;
  private readonly listPageSize: number;

  constructor(options: GcsLakeOptions) {
    this.uri = options.uri;
    const prefix = (options.prefix ?? '').replace(/\/+$/, '');
    if (prefix !== '' && !isSafeKey(prefix))
      throw new ShopstreamError(
        'SHOP_E_CONFIG_INVALID',
        `lake ${options.uri}: "${prefix}" is not a valid folder`,
        {
          context: { uri: options.uri },
        },
      );
    this.base = prefix === '' ? '' : `${prefix}/`;
    const storage =
      options.storage ??
      createGcsStorage({ apiEndpoint: options.apiEndpoint, maxRetries: options.maxRetries });
    this.bucket = storage.bucket(options.bucket);
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 60_000;
    this.listPageSize = options.listPageSize ?? 1_000;
  }

  async start(): Promise<void> {
    let granted: Record<string, boolean>;
    try {
      [granted] = await this.bucket.iam.testPermissions(['storage.objects.create']);
    } catch (error) {
      throw gcsError('SHOP_E_LAKE_WRITE', `cannot reach lake bucket gs://${this.bucket.name}`, error, {
        uri: this.uri,
      });
    }
    if (!granted['storage.objects.create'])
      throw new ShopstreamError(
        'SHOP_E_LAKE_WRITE',
        `lake bucket gs://${this.bucket.name} does not let this identity create objects (needs storage.objects.create)`,
        { context: { uri: this.uri } },
      );
  }

  async writeFile(key: string, content: LakeContent): Promise<void> {
    const name = this.base + assertSafeKey(key);
    try {
      // Fresh options each call: the library writes into them.
      await this.bucket.file(name).save(uploadBody(content), {
        resumable: false,
        contentType: contentTypeOf(key),
        timeout: this.uploadTimeoutMs,
      });
    } catch (error) {
      throw gcsError('SHOP_E_LAKE_WRITE', `cannot upload gs://${this.bucket.name}/${name}`, error, {
        uri: this.uri,
        key,
      });
    }
  }

  async readFile(key: string): Promise<Buffer> {
    const name = this.base + this.safeKey(key);
    try {
      const [content] = await this.bucket.file(name).download();
      return content;
    } catch (error) {
      if (gcsStatusOf(error) === 404)
        throw new ShopstreamError(
          'SHOP_E_LAKE_READ',
          `lake file gs://${this.bucket.name}/${name} does not exist`,
          {
            context: { uri: this.uri, key, status: 404 },
            cause: error,
          },
        );
      throw gcsError('SHOP_E_LAKE_READ', `cannot read gs://${this.bucket.name}/${name}`, error, {
        uri: this.uri,
        key,
      });
    }
  }

  async *list(prefix: string): AsyncIterable<LakeFile> {
    if (prefix !== '') this.safeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    let pageToken: string | undefined;
    do {
      let response: GetFilesResponse;
      try {
        response = await this.bucket.getFiles({
          prefix: this.base + prefix,
          autoPaginate: false,
          maxResults: this.listPageSize,
          ...(pageToken ? { pageToken } : {}),
        });
      } catch (error) {
        throw gcsError(
          'SHOP_E_LAKE_READ',
          `cannot list gs://${this.bucket.name}/${this.base + prefix}`,
          error,
          {
            uri: this.uri,
            prefix,
          },
        );
      }
      const [files, next] = response;
      for (const file of files) {
        // Folder placeholders made by the console ("a/") are not files.
        if (file.name.endsWith('/')) continue;
        yield { key: file.name.slice(this.base.length), size: Number(file.metadata.size ?? 0) };
      }
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async close(): Promise<void> {
    // Uploads complete before writeFile resolves, and the client holds no session to end.
  }

  /** assertSafeKey, reported as a read error on the read paths. */
  private safeKey(key: string): string {
    try {
      return assertSafeKey(key);
    } catch (error) {
      throw new ShopstreamError('SHOP_E_LAKE_READ', (error as Error).message, {
        context: { key },
        cause: error,
      });
    }
  }
}

function isSafeKey(key: string): boolean {
  try {
    assertSafeKey(key);
    return true;
  } catch {
    return false;
  }
}

/** A single-request upload sends one body, so pieces are joined here (the one copy they get). */
function uploadBody(content: LakeContent): string | Buffer {
  if (typeof content === 'string') return content;
  if (content instanceof Uint8Array)
    return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return Buffer.concat(content);
}

/** Lake files are NDJSON (`.json`, one event per line); anything else is stored as bytes. */
function contentTypeOf(key: string): string {
  if (/\.(json|ndjson|jsonl)$/i.test(key)) return 'application/x-ndjson';
  if (/\.gz$/i.test(key)) return 'application/gzip';
  return 'application/octet-stream';
}
