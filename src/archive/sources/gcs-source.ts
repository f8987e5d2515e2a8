import type { Bucket, GetFilesResponse, Storage } from '@google-cloud/storage';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { gcsError, gcsStatusOf } from '../../lake/gcs/gcs-error.js';
import { createGcsStorage } from '../../lake/gcs/gcs-storage.js';
import type { BackfillFile, BackfillSource, OpenLinesOptions } from './backfill-source.js';
import { ndjsonLines } from './ndjson-lines.js';
import { objectNameOf, objectsUnderPrefix, type ListedObject } from './objects-under-prefix.js';

/** Options of a {@link GcsSource}. */
export interface GcsSourceOptions {
  readonly uri: string;
  readonly bucket: string;
  /** A folder (`backup/`), or a folder or object name (`backup`); '' for the whole bucket. */
  readonly prefix: string;
  /** The JSON API's base URL, for a local server; else `STORAGE_EMULATOR_HOST` or Google's. */
  readonly apiEndpoint?: string;
  readonly maxLineBytes?: number;
  /** Objects per list request. Default 1,000 (the API's maximum). */
  readonly listPageSize?: number;
  /** A client to use instead of creating one. */
  readonly storage?: Storage;
}

/**
 * NDJSON objects in Cloud Storage (`gs://bucket/prefix`), through the same client set-up and error
 * mapping as the lake's Cloud Storage adapter (Application Default Credentials; retries of 408, 429,
 * 5xx and broken connections). Downloads are streamed and checked against their CRC32C.
 */
export class GcsSource implements BackfillSource {
  readonly uri: string;
  private readonly bucket: Bucket;
  private readonly prefix: string;
  private readonly maxLineBytes: number | undefined;
  private readonly listPageSize: number;

  constructor(options: GcsSourceOptions) {
    this.uri = options.uri;
    this.bucket = (options.storage ?? createGcsStorage({ apiEndpoint: options.apiEndpoint })).bucket(
      options.bucket,
    );
    this.prefix = options.prefix;
    this.maxLineBytes = options.maxLineBytes;
    this.listPageSize = options.listPageSize ?? 1000;
  }

  async *listFiles(): AsyncIterable<BackfillFile> {
    const store = {
      list: (prefix: string) => this.listObjects(prefix),
      find: (name: string) => this.findObject(name),
    };
    // Cloud Storage lists in byte order of names already.
    for await (const object of objectsUnderPrefix(this.prefix, store))
      yield { uri: `gs://${this.bucket.name}/${object.name}`, size: object.size };
  }

  openLines(file: BackfillFile, options: OpenLinesOptions = {}): AsyncIterable<Buffer> {
    const name = objectNameOf(file.uri, `gs://${this.bucket.name}/`);
    return ndjsonLines(() => this.bucket.file(name).createReadStream(), {
      uri: file.uri,
      maxLineBytes: this.maxLineBytes,
      keepEmptyLines: options.keepEmptyLines,
      mapError: (error) =>
        gcsStatusOf(error) === 404
          ? new ShopstreamError('SHOP_E_LAKE_READ', `${file.uri} does not exist`, {
              context: { uri: file.uri, status: 404 },
              cause: error,
            })
          : gcsError('SHOP_E_LAKE_READ', `cannot read ${file.uri}`, error, { uri: file.uri }),
    });
  }

  async close(): Promise<void> {
    // The client keeps no session; idle sockets do not hold the process open.
  }

  private async findObject(name: string): Promise<ListedObject | undefined> {
    try {
      const [metadata] = await this.bucket.file(name).getMetadata();
      return { name, size: Number(metadata.size ?? 0) };
    } catch (error) {
      if (gcsStatusOf(error) === 404) {
        // Tell a missing bucket from a missing object.
        await this.listObjects(name).next();
        return undefined;
      }
      throw gcsError('SHOP_E_LAKE_READ', `cannot read gs://${this.bucket.name}/${name}`, error, {
        uri: this.uri,
      });
    }
  }

  private async *listObjects(prefix: string): AsyncGenerator<ListedObject> {
    let pageToken: string | undefined;
    do {
      let response: GetFilesResponse;
      try {
        response = await this.bucket.getFiles({
          prefix,
          autoPaginate: false,
          maxResults: this.listPageSize,
          ...(pageToken ? { pageToken } : {}),
        });
      } catch (error) {
        if (gcsStatusOf(error) === 404)
          throw new ShopstreamError('SHOP_E_LAKE_READ', `bucket gs://${this.bucket.name} does not exist`, {
            context: { uri: this.uri, status: 404 },
            cause: error,
          });
        throw gcsError('SHOP_E_LAKE_READ', `cannot list gs://${this.bucket.name}/${prefix}`, error, {
          uri: this.uri,
        });
      }
      const [files, next] = response;
      for (const file of files) yield { name: file.name, size: Number(file.metadata.size ?? 0) };
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }
}
