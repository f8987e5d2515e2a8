/**
 * Where a backfill reads archived NDJSON from: a local file or folder, `gs://bucket/prefix` or
 * `s3://bucket/prefix` (see `open-backfill-source.ts`). Files are listed first (for the progress
 * total and the checkpoint), then read one at a time as a stream of lines.
 *
 * @example
 * const source = await openBackfillSource('s3://history/backup/');
 * for await (const file of source.listFiles())
 *   for await (const line of source.openLines(file)) handle(line); // the payload's exact bytes
 * await source.close();
 */
export interface BackfillSource {
  /** The URI the source was opened from. */
  readonly uri: string;
  /**
   * Every file of the source, sorted by name in byte order (folders recursively). Hidden local files
   * (`.name`) and bucket folder placeholders (`name/`) are left out.
   */
  listFiles(): AsyncIterable<BackfillFile>;
  /**
   * The file's NDJSON records as raw bytes, streamed with bounded memory: no newline, a trailing `\r`
   * removed, empty lines skipped, gzip (detected by its magic bytes) decompressed. Failures are
   * SHOP_E_LAKE_READ (retryable when transient).
   */
  openLines(file: BackfillFile, options?: OpenLinesOptions): AsyncIterable<Buffer>;
  /** Releases clients and sockets. */
  close(): Promise<void>;
}

/** How {@link BackfillSource.openLines} reads. */
export interface OpenLinesOptions {
  /**
   * Yield empty lines too, as empty buffers: an archive writes an empty message as an empty line,
   * which a replay skips but an account of what was archived counts.
   */
  readonly keepEmptyLines?: boolean;
}

/** One file of a {@link BackfillSource}. */
export interface BackfillFile {
  /** An absolute path, `gs://bucket/name` or `s3://bucket/key`: stable, so a checkpoint can name it. */
  readonly uri: string;
  /** Bytes as stored (compressed, for gzip). */
  readonly size: number;
}
