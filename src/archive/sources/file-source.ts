import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { errnoOf, walkFiles } from '../../lake/file/walk-files.js';
import type { BackfillFile, BackfillSource, OpenLinesOptions } from './backfill-source.js';
import { ndjsonLines } from './ndjson-lines.js';

/** Options of a {@link FileSource}. */
export interface FileSourceOptions {
  readonly uri: string;
  /** A file, or a folder read recursively. */
  readonly path: string;
  readonly maxLineBytes?: number;
}

/** Read failures that may pass on their own. */
const TRANSIENT_ERRNOS = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR', 'ETIMEDOUT']);

/**
 * A local NDJSON file, or every file of a folder and its sub-folders in byte order of their paths,
 * hidden ones (`.name`, such as a lake's temp files) left out.
 */
export class FileSource implements BackfillSource {
  readonly uri: string;
  private readonly path: string;
  private readonly maxLineBytes: number | undefined;

  constructor(options: FileSourceOptions) {
    this.uri = options.uri;
    this.path = resolve(options.path);
    this.maxLineBytes = options.maxLineBytes;
  }

  async *listFiles(): AsyncIterable<BackfillFile> {
    let info: Stats;
    try {
      info = await stat(this.path);
    } catch (error) {
      throw fileError(this.path, error);
    }
    if (info.isFile()) {
      yield { uri: this.path, size: info.size };
      return;
    }
    if (!info.isDirectory())
      throw new ShopstreamError(
        'SHOP_E_LAKE_READ',
        `backfill source ${this.path} is not a file or a folder`,
        {
          context: { uri: this.uri },
        },
      );
    try {
      for await (const file of walkFiles(this.path, '', (name) => name.startsWith('.')))
        yield { uri: file.path, size: file.size };
    } catch (error) {
      throw fileError(this.path, error);
    }
  }

  openLines(file: BackfillFile, options: OpenLinesOptions = {}): AsyncIterable<Buffer> {
    return ndjsonLines(() => createReadStream(file.uri, { highWaterMark: 1024 * 1024 }), {
      uri: file.uri,
      maxLineBytes: this.maxLineBytes,
      keepEmptyLines: options.keepEmptyLines,
      mapError: (error) => fileError(file.uri, error),
    });
  }

  async close(): Promise<void> {
    // Each file's stream closes when its lines are read (or the reader stops).
  }
}

function fileError(path: string, error: unknown): ShopstreamError {
  const errno = errnoOf(error);
  return new ShopstreamError(
    'SHOP_E_LAKE_READ',
    errno === 'ENOENT'
      ? `backfill source ${path} does not exist`
      : `cannot read ${path}: ${errno ?? String(error)}`,
    {
      retryable: errno !== undefined && TRANSIENT_ERRNOS.has(errno),
      context: { uri: path, errno },
      cause: error,
    },
  );
}
