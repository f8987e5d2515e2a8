import { describe, expect, it } from 'vitest';
import { archiveFileName, timeOfArchiveFile, type ArchiveDatetimeFormat } from './archive-file-name.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const OPENED = new Date('2024-05-01T09:07:05.678Z');

describe('archiveFileName', () => {
  it.each<[ArchiveDatetimeFormat, string]>([
    ['YYYY-MM-DDTHH:mm:ssZ', 'events_2024-05-01T09:07:05Z_'],
    ['YYYY-MM-DD/hh_mm_ssZ', 'events_2024-05-01/09_07_05Z_'],
    ['YYYYMMDDHHmmss', 'events_20240501090705_'],
  ])('%s gives <prefix><UTC date-time>_<uuid><suffix>', (datetimeFormat, start) => {
    const name = archiveFileName(OPENED, { prefix: 'events_', suffix: '.json', datetimeFormat });
    expect(name).toMatch(new RegExp(`^${start.replaceAll('.', '\\.')}${UUID}\\.json$`));
  });

  it('gives a different name each time, even for the same instant', () => {
    const options = { prefix: '', suffix: '', datetimeFormat: 'YYYYMMDDHHmmss' } as const;
    const names = new Set(Array.from({ length: 100 }, () => archiveFileName(OPENED, options)));
    expect(names.size).toBe(100);
  });

  it('uses UTC whatever the time zone of the process', () => {
    const name = archiveFileName(new Date('2024-12-31T23:59:59+02:00'), {
      prefix: 'p_',
      suffix: '',
      datetimeFormat: 'YYYY-MM-DDTHH:mm:ssZ',
    });
    expect(name.startsWith('p_2024-12-31T21:59:59Z_')).toBe(true);
  });
});

describe('timeOfArchiveFile', () => {
  it('reads back the open time (to the second) from every format and prefix, in a full path or URI', () => {
    const second = new Date('2024-05-01T09:07:05Z');
    const formats: ArchiveDatetimeFormat[] = [
      'YYYY-MM-DDTHH:mm:ssZ',
      'YYYY-MM-DD/hh_mm_ssZ',
      'YYYYMMDDHHmmss',
    ];
    for (const datetimeFormat of formats)
      for (const prefix of ['events_', 'hist-', 'v2', '']) {
        const name = archiveFileName(OPENED, { prefix, suffix: '.json', datetimeFormat });
        for (const where of [name, `/data/backup/${name}`, `gs://b/backup/${name}`, `s3://b/k/${name}.gz`])
          expect(timeOfArchiveFile(where), where).toEqual(second);
      }
  });

  it("reads the names of Google's Cloud Storage subscriptions (their documented examples)", () => {
    // No datetime format set: the default, with a +00:00 offset.
    expect(timeOfArchiveFile('prod_2023-09-25T04:10:00+00:00_uN1QuE_archive')).toEqual(
      new Date('2023-09-25T04:10:00Z'),
    );
    expect(timeOfArchiveFile('gs://b/events_2023-09-25T04:10:00+00:00_uN1QuE.json')).toEqual(
      new Date('2023-09-25T04:10:00Z'),
    );
    expect(timeOfArchiveFile('prod_2023-09-25/04_10_00Z_uNiQuE_archive')).toEqual(
      new Date('2023-09-25T04:10:00Z'),
    );
  });

  it('gives undefined for names without a time, or with an impossible one', () => {
    expect(timeOfArchiveFile('history.json')).toBeUndefined();
    expect(timeOfArchiveFile('events_2024-13-45T99:00:00Z_x.json')).toBeUndefined();
    // Another offset than UTC is not one of ours: do not guess.
    expect(timeOfArchiveFile('events_2024-05-01T09:07:05+02:00_x.json')).toBeUndefined();
  });
});
