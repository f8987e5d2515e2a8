/**
 * Finds the first object key that appears twice in one object of a well-formed JSON text, and returns
 * its JSON Pointer; undefined when there is none. JSON.parse silently keeps the last of duplicate keys,
 * so `{"status":"pending","status":"delivered"}` would otherwise pass with a meaning nobody chose.
 *
 * Only call it on text JSON.parse accepted: it does a single pass and does not re-check the grammar.
 */
export function findDuplicateKey(text: string): string | undefined {
  // A stack of frames: for objects, the keys seen so far; for arrays, the current index.
  const keys: (Set<string> | null)[] = [];
  const names: string[] = [];
  const indexes: number[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      let escaped = false;
      i++;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i += 2;
          continue;
        }
        if (d === 0x22) break;
        i++;
      }
      const frame = keys[keys.length - 1];
      if (expectKey && frame) {
        const raw = text.slice(start, i);
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (frame.has(key)) return pointer(names, indexes, keys, key);
        frame.add(key);
        names[names.length - 1] = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */) {
      keys.push(new Set());
      names.push('');
      indexes.push(0);
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      keys.push(null);
      names.push('');
      indexes.push(0);
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

function pointer(names: string[], indexes: number[], keys: (Set<string> | null)[], last: string): string {
  const parts: string[] = [];
  // Frame k's position inside frame k-1 is named by frame k-1's current key or index.
  for (let k = 1; k < keys.length; k++) parts.push(keys[k - 1] ? names[k - 1]! : String(indexes[k - 1]));
  parts.push(last);
  return '/' + parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}
