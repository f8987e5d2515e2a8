/**
 * Bytes a row adds to an AppendRows request, at most: its JSON text plus 8 bytes for the repeated
 * `serialized_rows` field's tag and length.
 *
 * Why JSON is a safe bound for the protobuf encoding the JSONWriter makes of the same row: field
 * names become 1-2 byte tags instead of quoted names, strings lose their quotes and escapes, nested
 * messages cost a tag and a length instead of `"name":{}`, and every number costs at most 11 bytes
 * (tag + 10-byte varint, or 9 for a double) where JSON spends its digits plus a quoted name of at
 * least two characters. Encoding every row twice just to measure it would cost more CPU than it saves.
 */
export function requestBytesOf(row: unknown): number {
  return Buffer.byteLength(JSON.stringify(row), 'utf8') + 8;
}

/**
 * Splits rows, in order, into groups whose estimated request size stays within `budget` bytes. A row
 * larger than the budget goes alone (the service then judges it against its own row limit).
 */
export function splitRequests<T>(
  rows: readonly T[],
  budget: number,
  sizeOf: (row: T) => number = requestBytesOf,
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = sizeOf(row);
    if (current.length > 0 && bytes + size > budget) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
