import { randomUUID } from 'node:crypto';

/** The date-time formats of archive file names: the two Cloud Storage subscriptions offer, and a compact one. */
export type ArchiveDatetimeFormat = 'YYYY-MM-DDTHH:mm:ssZ' | 'YYYY-MM-DD/hh_mm_ssZ' | 'YYYYMMDDHHmmss';

/**
 * Names an archive file the way a Pub/Sub Cloud Storage subscription does:
 * `<prefix><UTC date-time>_<unique id><suffix>`, e.g. `events_2024-05-01T10:07:00Z_9f1c….json`.
 * Google appends a random id too, so names never collide across writers; see docs/archive.md.
 */
export function archiveFileName(
  openedAt: Date,
  options: { prefix: string; suffix: string; datetimeFormat: ArchiveDatetimeFormat },
): string {
  const iso = openedAt.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  const stamp =
    options.datetimeFormat === 'YYYY-MM-DDTHH:mm:ssZ'
      ? `${date}T${time}Z`
      : options.datetimeFormat === 'YYYY-MM-DD/hh_mm_ssZ'
        ? `${date}/${time.replaceAll(':', '_')}Z`
        : date.replaceAll('-', '') + time.replaceAll(':', '');
  return `${options.prefix}${stamp}_${randomUUID()}${options.suffix}`;
}

/**
 * The UTC instant in an archive file name, if it has one of our formats or the one a Cloud Storage
 * subscription uses when no datetime format is set (`2023-09-25T04:10:00+00:00`); used as publish
 * time on backfill.
 */
export function timeOfArchiveFile(name: string): Date | undefined {
  const m =
    /(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:Z|\+00:00)/.exec(name) ??
    /(\d{4}-\d{2}-\d{2})\/(\d{2})_(\d{2})_(\d{2})Z/.exec(name) ??
    // The 14 digits right before `_<id>`, so a prefix may itself end in digits (`v2`).
    /(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_/.exec(name);
  if (!m) return undefined;
  const iso =
    m.length === 5 ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}Z` : `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
