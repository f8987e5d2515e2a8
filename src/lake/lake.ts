/**
 * The lake port: an object store of immutable files under one root, laid out like the bucket.
 *
 * - `file:./data/lake`         → lake/file/file-lake.ts (temp file + rename: never half-visible)
 * - `gs://bucket[/prefix]`     → lake/gcs/gcs-lake.ts (single-request uploads)
 *
 * Paths are relative, `/`-separated keys such as `output/order/2024/05/01/10/07/order_202405011007_x.json`.
 * Every adapter rejects a key that is absolute, empty, or has `.`/`..` segments, so nothing can escape
 * the root.
 */
export interface Lake {
  /** The URI this lake was opened from (for logs). */
  readonly uri: string;
  /** Checks the root is reachable and writable (the health check). */
  start(): Promise<void>;
  /**
   * Writes a whole file atomically: readers see all of it or nothing. Overwrites an existing key.
   * Throws SHOP_E_LAKE_WRITE on failure: retryable when it may pass by itself (network, disk full),
   * not when someone must fix something first (a permission, a missing bucket).
   */
  writeFile(key: string, content: LakeContent): Promise<void>;
  /** Reads a whole file. Throws SHOP_E_LAKE_READ when it is missing. */
  readFile(key: string): Promise<Buffer>;
  /** Lists files under a key prefix (recursively), sorted by key. */
  list(prefix: string): AsyncIterable<LakeFile>;
  close(): Promise<void>;
}

export interface LakeFile {
  readonly key: string;
  readonly size: number;
}

/**
 * What a file holds: text (written as UTF-8), bytes, or pieces of bytes that follow one another in
 * the file. Pieces let a writer that holds many small buffers (the archiver's payloads) write them
 * without first copying them into one.
 */
export type LakeContent = string | Uint8Array | readonly Uint8Array[];
