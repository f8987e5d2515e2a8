import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { BackfillFile, BackfillSource, OpenLinesOptions } from './backfill-source.js';
import { ndjsonLines } from './ndjson-lines.js';
import { byteOrder, objectNameOf, objectsUnderPrefix, type ListedObject } from './objects-under-prefix.js';

/** Options of an {@link S3Source}; unset ones come from the standard AWS environment. */
export interface S3SourceOptions {
  readonly uri: string;
  readonly bucket: string;
  /** A folder (`backup/`), or a folder or object name (`backup`); '' for the whole bucket. */
  readonly prefix: string;
  /** Default `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else AWS. */
  readonly endpoint?: string;
  /** Default `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the SDK's profile chain (us-east-1 with a custom endpoint). */
  readonly region?: string;
  /** Path-style URLs (`endpoint/bucket/key`). Default: on with a custom endpoint (MinIO, s3rver), off for AWS. */
  readonly forcePathStyle?: boolean;
  readonly maxLineBytes?: number;
  /** Objects per list request. Default 1,000 (the API's maximum). */
  readonly listPageSize?: number;
  /** A client to use instead of creating one. */
  readonly client?: S3Client;
}

/**
 * NDJSON objects in Amazon S3 or an S3-compatible store (`s3://bucket/prefix`), through
 * `@aws-sdk/client-s3` with the SDK's default credential chain (environment, profile, SSO, instance
 * role). Downloads are streamed.
 */
export class S3Source implements BackfillSource {
  readonly uri: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly maxLineBytes: number | undefined;
  private readonly listPageSize: number;

  constructor(options: S3SourceOptions) {
    this.uri = options.uri;
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.maxLineBytes = options.maxLineBytes;
    this.listPageSize = options.listPageSize ?? 1000;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new S3Client(s3ClientConfig(options));
  }

  async *listFiles(): AsyncIterable<BackfillFile> {
    // S3 general-purpose buckets list in byte order, but directory buckets and some S3-compatible
    // servers (s3rver) do not: sort here. One entry per file, which the backfill holds anyway.
    const store = {
      list: (prefix: string) => this.listObjects(prefix),
      find: (name: string) => this.findObject(name),
    };
    const objects: ListedObject[] = [];
    for await (const object of objectsUnderPrefix(this.prefix, store)) objects.push(object);
    objects.sort((a, b) => byteOrder(a.name, b.name));
    for (const object of objects) yield { uri: `s3://${this.bucket}/${object.name}`, size: object.size };
  }

  openLines(file: BackfillFile, options: OpenLinesOptions = {}): AsyncIterable<Buffer> {
    const key = objectNameOf(file.uri, `s3://${this.bucket}/`);
    const client = this.client;
    const bucket = this.bucket;
    async function* body(): AsyncGenerator<Buffer> {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      // In Node.js the body is an http.IncomingMessage: an async iterable of Buffers.
      yield* response.Body as AsyncIterable<Buffer>;
    }
    return ndjsonLines(body, {
      uri: file.uri,
      maxLineBytes: this.maxLineBytes,
      keepEmptyLines: options.keepEmptyLines,
      mapError: (error) => s3Error(`cannot read ${file.uri}`, error, file.uri),
    });
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private async findObject(name: string): Promise<ListedObject | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: name }));
      return { name, size: head.ContentLength ?? 0 };
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        // HEAD has no body to tell a missing bucket from a missing object; a listing does.
        await this.listObjects(name).next();
        return undefined;
      }
      throw s3Error(`cannot read s3://${this.bucket}/${name}`, error, this.uri);
    }
  }

  private async *listObjects(prefix: string): AsyncGenerator<ListedObject> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: this.listPageSize,
          }),
        )
        .catch((error: unknown) => {
          throw s3Error(`cannot list s3://${this.bucket}/${prefix}`, error, this.uri);
        });
      for (const object of page.Contents ?? [])
        if (object.Key) yield { name: object.Key, size: object.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

/** The client settings from the options and the standard AWS environment variables. */
export function s3ClientConfig(
  options: Pick<S3SourceOptions, 'endpoint' | 'region' | 'forcePathStyle'>,
  env: NodeJS.ProcessEnv = process.env,
): S3ClientConfig {
  const endpoint = options.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  const region =
    options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined));
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    // A bucket in another region than the client's answers with a redirect; follow it.
    followRegionRedirects: true,
  };
}

/** Maps an SDK failure: retryable on 408, 429, 5xx and network errors, with a plain message for the usual causes. */
function s3Error(what: string, error: unknown, uri: string): ShopstreamError {
  if (error instanceof ShopstreamError) return error;
  const e = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const known: Record<string, string> = {
    NoSuchBucket: `${what}: the bucket does not exist`,
    NoSuchKey: `${what}: the object does not exist`,
    AccessDenied: `${what}: access denied (check the credentials and the bucket policy)`,
    CredentialsProviderError: `${what}: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)`,
  };
  const configProblem = name === 'CredentialsProviderError' || /region is missing/i.test(e.message ?? '');
  const transient =
    !configProblem &&
    (Boolean(e.$retryable) || status === undefined || status === 408 || status === 429 || status >= 500);
  return new ShopstreamError(
    'SHOP_E_LAKE_READ',
    known[name] ?? `${what}: ${name}: ${e.message ?? String(error)}`,
    {
      retryable: transient,
      context: { uri, status, name },
      cause: error,
    },
  );
}
