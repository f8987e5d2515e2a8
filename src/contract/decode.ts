import type { ContractFailure } from './contract-failure.js';
import { checkJsonStructure } from './json-structure.js';

/** Result of {@link decodeMessage}: the parsed JSON object, or why the bytes are not one. */
export type DecodeResult =
  | { readonly ok: true; readonly value: Record<string, unknown>; readonly text: string }
  | { readonly ok: false; readonly failure: ContractFailure };

import { isUtf8 } from 'node:buffer';

function fail(code: ContractFailure['code'], message: string): DecodeResult {
  return { ok: false, failure: { code, path: '', message } };
}

/**
 * Bytes → JSON object, with a distinct code for each way it can go wrong: empty, too large, a BOM,
 * invalid UTF-8, malformed or too deeply nested JSON, a duplicate or forbidden key, or JSON that is
 * not an object.
 */
export function decodeMessage(bytes: Uint8Array, maxBytes: number): DecodeResult {
  if (bytes.length === 0) return fail('SHOP_E_DECODE_EMPTY', 'message is empty');
  if (bytes.length > maxBytes)
    return fail('SHOP_E_DECODE_TOO_LARGE', `message is ${bytes.length} bytes; the maximum is ${maxBytes}`);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return fail('SHOP_E_DECODE_BOM', 'message starts with a UTF-8 byte-order mark; send plain JSON');
  // isUtf8 is a native strict check (no overlong forms, no surrogates); the decode after it cannot lose data.
  if (!isUtf8(bytes)) return fail('SHOP_E_DECODE_UTF8', 'message bytes are not valid UTF-8');
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail('SHOP_E_DECODE_JSON', `malformed JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return fail('SHOP_E_DECODE_NOT_OBJECT', `message is JSON ${kind}, not an object`);
  }
  const structure = checkJsonStructure(text);
  if (structure) return { ok: false, failure: structure };
  return { ok: true, value: value as Record<string, unknown>, text };
}
