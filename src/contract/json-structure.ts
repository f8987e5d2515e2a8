import type { ContractFailure } from './contract-failure.js';

/** Deeper than any event needs (the contract's deepest path is /items/0/price); guards against nesting bombs. */
export const MAX_JSON_DEPTH = 32;

/** Keys that are never a legitimate field and are the classic prototype-pollution vector. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks what JSON.parse lets through but an event must not have, in one pass over a well-formed JSON
 * text: a key twice in one object (JSON.parse silently keeps the last, so the meaning is ambiguous), a
 * `__proto__`/`constructor`/`prototype` key, or nesting deeper than {@link MAX_JSON_DEPTH}.
 *
 * Only call it on text JSON.parse accepted: it does not re-check the grammar.
 */
export function checkJsonStructure(text: string): ContractFailure | undefined {
  return mayBreakStructure(text) ? locateStructureFailure(text) : undefined;
}

// Key offsets of the objects being scanned, reused across calls: keyStarts[k]/keyEnds[k] delimit
// the k-th key seen (the text between its quotes), frameFirstKey[d] is the first key of the object at
// depth d (-1 for an array).
let keyStarts: Int32Array = new Int32Array(256);
let keyEnds: Int32Array = new Int32Array(256);
const frameFirstKey = new Int32Array(MAX_JSON_DEPTH + 1);

/**
 * The fast pass: true when the text might have a duplicate or forbidden key, or too deep a nesting.
 * It allocates nothing — keys are compared in place by their offsets — and leaves texts with any
 * backslash (an escape could spell a key) to the exact pass, which also names the failure and its path.
 */
function mayBreakStructure(text: string): boolean {
  if (
    text.includes('\\') ||
    text.includes('__proto__') ||
    text.includes('constructor') ||
    text.includes('prototype')
  )
    return true;
  let depth = 0;
  let keyCount = 0;
  let expectKey = false;
  frameFirstKey[0] = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // No backslash in the text, so the next quote closes the string.
      const start = i + 1;
      const end = text.indexOf('"', start);
      if (end === -1) return true;
      i = end;
      if (expectKey) {
        for (let k = frameFirstKey[depth]!; k < keyCount; k++)
          if (sameText(text, keyStarts[k]!, keyEnds[k]!, start, end)) return true;
        if (keyCount === keyStarts.length) {
          keyStarts = grow(keyStarts);
          keyEnds = grow(keyEnds);
        }
        keyStarts[keyCount] = start;
        keyEnds[keyCount++] = end;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth >= MAX_JSON_DEPTH) return true;
      frameFirstKey[++depth] = c === 0x7b ? keyCount : -1;
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (frameFirstKey[depth]! >= 0) keyCount = frameFirstKey[depth]!;
      depth--;
    } else if (c === 0x2c /* , */) {
      expectKey = frameFirstKey[depth]! >= 0;
    }
  }
  return false;
}

function sameText(text: string, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let k = 0; k < aEnd - aStart; k++)
    if (text.charCodeAt(aStart + k) !== text.charCodeAt(bStart + k)) return false;
  return true;
}

function grow(array: Int32Array): Int32Array {
  const larger = new Int32Array(array.length * 2);
  larger.set(array);
  return larger;
}

/**
 * The exact pass: the first failure and its JSON Pointer, or undefined. checkJsonStructure answers
 * the same, faster (a property test holds them equal).
 */
export function locateStructureFailure(text: string): ContractFailure | undefined {
  // A stack of frames: for objects, the keys seen so far; for arrays, null and the current index.
  const keys: (Set<string> | null)[] = [];
  const names: string[] = [];
  const indexes: number[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Jump to the closing quote natively; a quote preceded by an odd run of backslashes is escaped.
      const start = i + 1;
      let end = text.indexOf('"', start);
      while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) return undefined; // unreachable for text JSON.parse accepted
      i = end;
      const frame = keys[keys.length - 1];
      if (expectKey && frame) {
        const raw = text.slice(start, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (FORBIDDEN_KEYS.has(key))
          return {
            code: 'SHOP_E_DECODE_FORBIDDEN_KEY',
            path: pointer(names, indexes, keys, key),
            message: `key "${key}" is not allowed in an event`,
          };
        if (frame.has(key)) {
          const path = pointer(names, indexes, keys, key);
          return { code: 'SHOP_E_DECODE_DUPLICATE_KEY', path, message: `key appears twice at ${path}` };
        }
        frame.add(key);
        names[names.length - 1] = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (keys.length >= MAX_JSON_DEPTH)
        return {
          code: 'SHOP_E_DECODE_JSON',
          path: pointer(names, indexes, keys),
          message: `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`,
        };
      keys.push(c === 0x7b ? new Set() : null);
      names.push('');
      indexes.push(0);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      keys.pop();
      names.pop();
      indexes.pop();
    } else if (c === 0x2c /* , */) {
      if (keys[keys.length - 1]) expectKey = true;
      else indexes[indexes.length - 1]!++;
    }
  }
  return undefined;
}

function isEscaped(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let k = quote - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
  return backslashes % 2 === 1;
}

/** The JSON Pointer of the current position (plus `last`, a key in the innermost object). */
function pointer(names: string[], indexes: number[], keys: (Set<string> | null)[], last?: string): string {
  const parts: string[] = [];
  // Frame k's position inside frame k-1 is named by frame k-1's current key or index.
  for (let k = 1; k < keys.length; k++) parts.push(keys[k - 1] ? names[k - 1]! : String(indexes[k - 1]));
  if (last !== undefined) parts.push(last);
  return parts.length === 0
    ? ''
    : '/' + parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}
