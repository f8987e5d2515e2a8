/**
 * Splits rows, in order, into groups whose size (`sizeOf` each) stays within `budget` bytes. A row
 * larger than the budget goes alone (the service then judges it against its own row limit).
 */
export function splitRequests<T>(rows: readonly T[], budget: number, sizeOf: (row: T) => number): T[][] {
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
