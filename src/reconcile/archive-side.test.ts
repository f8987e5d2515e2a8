import { describe, expect, it } from 'vitest';
import { archiveFileTime } from './archive-side.js';

describe('archiveFileTime', () => {
  const at = Date.parse('2026-12-03T10:07:00Z');

  it('reads each format a Cloud Storage subscription or the archiver names files with', () => {
    expect(archiveFileTime('gs://backup/events_2026-12-03T10:07:00Z_9f1c.json')).toBe(at);
    expect(archiveFileTime('gs://backup/events_2026-12-03T10:07:00+00:00_9f1c.json')).toBe(at);
    expect(archiveFileTime('gs://backup/events_2026-12-03/10_07_00Z_9f1c.json')).toBe(at);
    expect(archiveFileTime('/data/backup/events_20261203100700_9f1c.json')).toBe(at);
  });

  it("takes the name's own time over a folder's, and NaN when the name has none", () => {
    expect(archiveFileTime('/runs/2025-01-01T00:00:00Z/events_2026-12-03T10:07:00Z_9f1c.json')).toBe(at);
    expect(archiveFileTime('/data/backup/export.json')).toBeNaN();
  });
});
