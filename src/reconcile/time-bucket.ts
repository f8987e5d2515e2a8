import type { BucketSize } from './reconcile-options.js';

const SIZE_MS: Readonly<Record<BucketSize, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The start of the UTC minute, hour or day that holds `ms` (UTC days start at a multiple of 24 h). */
export function bucketStart(ms: number, by: BucketSize): number {
  const size = SIZE_MS[by];
  return Math.floor(ms / size) * size;
}

/** `2026-12-03T10:07Z`, `2026-12-03T10:00Z` or `2026-12-03`: a bucket's name, sortable as text. */
export function bucketLabel(startMs: number, by: BucketSize): string {
  const iso = new Date(startMs).toISOString();
  if (by === 'day') return iso.slice(0, 10);
  return `${iso.slice(0, 16)}Z`;
}
