import { ShopstreamError } from '../../errors/shopstream-error.js';

/** An object a bucket listing returned. */
export interface ListedObject {
  readonly name: string;
  readonly size: number;
}

/** How {@link objectsUnderPrefix} reaches a bucket. */
export interface ObjectStore {
  /** Objects whose names start with `prefix`. */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** The object of exactly this name, or undefined when there is none. */
  find(name: string): Promise<ListedObject | undefined>;
}

/**
 * The objects a `gs://bucket/prefix` or `s3://bucket/prefix` names, as a local path names a file or a
 * folder: the whole bucket for an empty prefix; the folder for `a/b/`; for `a/b`, the folder `a/b/`
 * or, when that holds nothing, the single object `a/b` (never `a/b-old/…`). Folder placeholders
 * (`name/`) are left out. In the store's listing order.
 */
export async function* objectsUnderPrefix(prefix: string, store: ObjectStore): AsyncGenerator<ListedObject> {
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  let found = false;
  for await (const object of store.list(folder)) {
    if (object.name.endsWith('/')) continue;
    found = true;
    yield object;
  }
  if (found || folder === prefix) return;
  const single = await store.find(prefix);
  if (single) yield single;
}

/** The object name in a file URI a bucket source listed (`base` is `gs://bucket/` or `s3://bucket/`). */
export function objectNameOf(uri: string, base: string): string {
  if (!uri.startsWith(base) || uri.length === base.length)
    throw new ShopstreamError('SHOP_E_LAKE_READ', `${uri} is not a file of ${base}`, { context: { uri } });
  return uri.slice(base.length);
}

/** Byte order of UTF-8 names: how Cloud Storage and S3 general-purpose buckets list. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
