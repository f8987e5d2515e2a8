import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ShopstreamError } from '../../errors/shopstream-error.js';

/** Options of {@link ndjsonLines}. */
export interface NdjsonLinesOptions {
  /** The file, for error messages. */
  readonly uri: string;
  /**
   * Longest line accepted, in bytes, so a file without newlines cannot exhaust memory. Default 64 MiB,
   * well above `contract.maxMessageBytes`: a line too large for the contract still reaches the DLQ.
   */
  readonly maxLineBytes?: number;
  /** Yield empty lines (as empty buffers) instead of skipping them. Default false. */
  readonly keepEmptyLines?: boolean;
  /** Turns a failure of the byte stream (network, file system) into a ShopstreamError. */
  readonly mapError?: (error: unknown) => ShopstreamError;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream of NDJSON into its records, as the exact bytes between newlines (the event_id
 * is a hash of them): a trailing `\r` (CRLF files) is removed and empty lines are skipped (or kept,
 * with `keepEmptyLines`). A gzip
 * stream, recognised by its magic bytes `1f 8b` rather than by the file name (Cloud Storage may serve
 * a `.gz` object already decompressed), is decompressed on the way, including multi-member files.
 * Memory holds one chunk plus at most one partial line.
 *
 * @param bytes the byte stream, or a function that opens it (called when the first line is read).
 */
export async function* ndjsonLines(
  bytes: AsyncIterable<Buffer> | (() => AsyncIterable<Buffer>),
  options: NdjsonLinesOptions,
): AsyncGenerator<Buffer, void, undefined> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const keepEmptyLines = options.keepEmptyLines ?? false;
  const tooLong = (): ShopstreamError =>
    new ShopstreamError('SHOP_E_LAKE_READ', `${options.uri} has a line longer than ${maxLineBytes} bytes`, {
      context: { uri: options.uri, maxLineBytes },
    });
  // The start of a line split across chunks.
  let parts: Buffer[] = [];
  let pending = 0;
  try {
    // A stream is opened only when reading starts, so its errors always have a reader to go to.
    for await (const chunk of gunzipIfGzip(typeof bytes === 'function' ? bytes() : bytes)) {
      let start = 0;
      for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        let line = chunk.subarray(start, end);
        start = end + 1;
        if (pending > 0) {
          if (pending + line.length > maxLineBytes) throw tooLong();
          parts.push(line);
          line = Buffer.concat(parts, pending + line.length);
          parts = [];
          pending = 0;
        } else if (line.length > maxLineBytes) throw tooLong();
        if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
        if (line.length > 0 || keepEmptyLines) yield line;
      }
      if (start < chunk.length) {
        pending += chunk.length - start;
        if (pending > maxLineBytes) throw tooLong();
        parts.push(chunk.subarray(start));
      }
    }
    if (pending > 0) {
      let line = Buffer.concat(parts, pending);
      if (line[line.length - 1] === CR) line = line.subarray(0, -1);
      if (line.length > 0) yield line;
    }
  } catch (error) {
    if (error instanceof ShopstreamError) throw error;
    const zlibCode = (error as { code?: unknown }).code;
    if (typeof zlibCode === 'string' && zlibCode.startsWith('Z_'))
      throw new ShopstreamError(
        'SHOP_E_LAKE_READ',
        `${options.uri} is not valid gzip: ${(error as Error).message}`,
        {
          context: { uri: options.uri, errno: zlibCode },
          cause: error,
        },
      );
    throw (
      options.mapError?.(error) ??
      new ShopstreamError('SHOP_E_LAKE_READ', `cannot read ${options.uri}: ${String(error)}`, {
        context: { uri: options.uri },
        cause: error,
      })
    );
  }
}

/** Passes the bytes through, or decompresses them when they start with the gzip magic bytes. */
async function* gunzipIfGzip(bytes: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  const iterator = bytes[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  const all = async function* (): AsyncGenerator<Buffer> {
    try {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // Stops the underlying stream when the reader leaves early.
      await iterator.return?.();
    }
  };
  const start = Buffer.concat(head);
  if (start[0] !== 0x1f || start[1] !== 0x8b) {
    yield* all();
    return;
  }
  const input = Readable.from(all(), { objectMode: false });
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  // Errors on either side destroy the gunzip stream, which ends the loop below with that error.
  pipeline(input, gunzip, () => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}
