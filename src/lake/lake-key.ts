import { ShopstreamError } from '../errors/shopstream-error.js';

/**
 * Checks a lake key: relative, `/`-separated, no empty, `.` or `..` segment, no backslash or NUL. The
 * one guard every lake adapter calls before touching storage, so no key can leave the lake root.
 */
export function assertSafeKey(key: string): string {
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad)
    throw new ShopstreamError('SHOP_E_LAKE_WRITE', `unsafe lake key ${JSON.stringify(key.slice(0, 200))}`, {
      context: { key },
    });
  return key;
}
