import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { assertSafeKey } from '../lake-key.js';
import type { Lake, LakeContent, LakeFile } from '../lake.js';
import { errnoOf, walkFiles } from './walk-files.js';

/** Options of a {@link FileLake}. */
export interface FileLakeOptions {
  /** The URI the lake was opened from, for logs (`file:./data/lake`). */
  readonly uri: string;
  /** The root folder, created when missing. Keys are paths below it. */
  readonly directory: string;
}

/** Temp files live next to their target; this name is never a listed key. */
const TEMP_NAME = /^\.shopstream-[0-9a-f]{16}\.tmp$/;
/** Whether a file name is one of the lake's temp files (half-written if a crash left it). */
export const isLakeTempFile = (name: string): boolean => TEMP_NAME.test(name);
const tempName = (): string => `.shopstream-${randomBytes(8).toString('hex')}.tmp`;

/** Failures caused by the key itself: retrying the same write cannot succeed. */
const KEY_ERRNOS = new Set(['ENAMETOOLONG', 'EINVAL']);
/**
 * Write failures someone must fix (the folder's permissions, a read-only mount): not retryable, so
 * the pipeline reports the lake as blocked while it holds the messages, until the cause is fixed.
 */
const FIXABLE_WRITE_ERRNOS = new Set(['EACCES', 'EPERM', 'EROFS']);
/** Read failures that may pass on their own. */
const TRANSIENT_READ_ERRNOS = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR', 'ETIMEDOUT']);

/**
 * The lake in a local folder, laid out like the bucket (`file:./data/lake`).
 *
 * A file is written to a uniquely named temp file in its target folder, fsynced, then renamed over
 * the key, and the folder is fsynced: a reader (`list`, DuckDB's `read_json`, `cat`) sees the whole
 * file or none of it, and once `writeFile` resolves the file survives a crash. Temp files left by a
 * crash (`.shopstream-<hex>.tmp`) are never listed.
 *
 * @example
 * const lake = new FileLake({ uri: 'file:./data/lake', directory: './data/lake' });
 * await lake.start();
 * await lake.writeFile('output/order/2024/05/01/10/07/order_202405011007_a.json', '{"a":1}\n');
 */
export class FileLake implements Lake {
  readonly uri: string;
  private readonly root: string;

  constructor(options: FileLakeOptions) {
    this.uri = options.uri;
    this.root = resolve(options.directory);
  }

  async start(): Promise<void> {
    const probe = join(this.root, tempName());
    try {
      await mkdir(this.root, { recursive: true });
      await (await open(probe, 'wx')).close();
      await rm(probe, { force: true });
    } catch (error) {
      throw new ShopstreamError(
        'SHOP_E_LAKE_WRITE',
        `lake folder ${this.root} is not writable (${errnoOf(error) ?? String(error)})`,
        {
          retryable: !FIXABLE_WRITE_ERRNOS.has(errnoOf(error) ?? ''),
          context: { uri: this.uri, directory: this.root, errno: errnoOf(error) },
          cause: error,
        },
      );
    }
  }

  async writeFile(key: string, content: LakeContent): Promise<void> {
    const path = this.pathOf(key, 'SHOP_E_LAKE_WRITE');
    if (isLakeTempFile(basename(key)))
      throw new ShopstreamError(
        'SHOP_E_LAKE_WRITE',
        `lake key ${JSON.stringify(key)} is reserved for temp files`,
        {
          context: { key },
        },
      );
    const folder = dirname(path);
    const temp = join(folder, tempName());
    try {
      await mkdir(folder, { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        await writeContent(handle, content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      await syncFolder(folder);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      const errno = errnoOf(error);
      throw new ShopstreamError(
        'SHOP_E_LAKE_WRITE',
        `cannot write lake file ${path}: ${errno ?? String(error)}`,
        {
          retryable: !(errno && (KEY_ERRNOS.has(errno) || FIXABLE_WRITE_ERRNOS.has(errno))),
          context: { uri: this.uri, key, errno },
          cause: error,
        },
      );
    }
  }

  async readFile(key: string): Promise<Buffer> {
    const path = this.pathOf(key, 'SHOP_E_LAKE_READ');
    try {
      return await readFile(path);
    } catch (error) {
      throw readError(this.uri, key, path, error);
    }
  }

  async *list(prefix: string): AsyncIterable<LakeFile> {
    if (prefix !== '') this.pathOf(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'SHOP_E_LAKE_READ');
    // Walk the deepest folder the prefix names; its last, partial segment filters that folder's entries
    // (below them, every key starts with the prefix anyway).
    const folderKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const skip = (name: string, key: string): boolean => isLakeTempFile(name) || !key.startsWith(prefix);
    try {
      for await (const file of walkFiles(join(this.root, folderKey), folderKey, skip)) {
        yield { key: file.key, size: file.size };
      }
    } catch (error) {
      throw readError(this.uri, prefix, join(this.root, folderKey), error);
    }
  }

  async close(): Promise<void> {
    // Every write is complete and durable when it resolves; nothing to flush.
  }

  /** The key's path on disk, after checking it is safe and stays inside the root. */
  private pathOf(key: string, code: 'SHOP_E_LAKE_WRITE' | 'SHOP_E_LAKE_READ'): string {
    try {
      assertSafeKey(key);
    } catch (error) {
      if (code === 'SHOP_E_LAKE_WRITE') throw error;
      throw new ShopstreamError(code, (error as Error).message, { context: { key }, cause: error });
    }
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep))
      throw new ShopstreamError(code, `lake key ${JSON.stringify(key)} resolves outside the lake root`, {
        context: { key },
      });
    return path;
  }
}

function readError(uri: string, key: string, path: string, error: unknown): ShopstreamError {
  const errno = errnoOf(error);
  const missing = errno === 'ENOENT' || errno === 'EISDIR' || errno === 'ENOTDIR';
  return new ShopstreamError(
    'SHOP_E_LAKE_READ',
    missing ? `lake file ${path} does not exist` : `cannot read lake ${path}: ${errno ?? String(error)}`,
    {
      retryable: errno !== undefined && TRANSIENT_READ_ERRNOS.has(errno),
      context: { uri, key, errno },
      cause: error,
    },
  );
}

/** Writes a new file's content; pieces in one writev, which libuv splits by IOV_MAX and short writes. */
async function writeContent(handle: FileHandle, content: LakeContent): Promise<void> {
  if (typeof content === 'string' || content instanceof Uint8Array) return handle.writeFile(content);
  const expected = content.reduce((sum, piece) => sum + piece.byteLength, 0);
  const { bytesWritten } = await handle.writev(content, 0);
  if (bytesWritten !== expected) throw new Error(`short write: ${bytesWritten} of ${expected} bytes`);
}

/** Makes a rename durable. Some platforms cannot open or fsync a folder; there it is skipped. */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP'].includes(errnoOf(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}
