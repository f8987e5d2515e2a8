import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import type { BackfillSource } from '../../src/archive/sources/backfill-source.js';
import { GcsSource } from '../../src/archive/sources/gcs-source.js';
import { openBackfillSource } from '../../src/archive/sources/open-backfill-source.js';
import { S3Source, s3ClientConfig } from '../../src/archive/sources/s3-source.js';
import { ShopstreamError } from '../../src/errors/shopstream-error.js';
import { FakeGcsServer } from '../support/fake-gcs-server.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

/** NDJSON as the archiver would write it, one distinct event a line. */
const events = (from: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({ event_type: 'inventory', n: from + i, note: 'é' }),
  );

/** The archive to back-fill from: name under the prefix → stored bytes and the records they hold. */
const manyLines = events(1000, 20_000);
const ARCHIVE: Record<string, { data: Buffer; lines: string[] }> = {
  '2024/05/01/events_a.json': {
    data: Buffer.from(`${events(0, 2).join('\r\n')}\r\n\r\n\n${events(2, 1)[0]}\n`),
    lines: events(0, 3),
  },
  '2024/05/01/events_b.json.gz': { data: gzipSync(`${manyLines.join('\n')}\n`), lines: manyLines },
  // gzip without a .gz name: recognised by its magic bytes.
  '2024/05/02/events_c.json': { data: gzipSync(`${events(50, 2).join('\n')}\n`), lines: events(50, 2) },
  // No final newline.
  '2024/05/02/events_d.json': { data: Buffer.from(events(60, 2).join('\n')), lines: events(60, 2) },
  // '-' sorts before '/': this file comes before everything under 2024/.
  '2024-x.json': { data: Buffer.from(`${events(70, 1)[0]}\n`), lines: events(70, 1) },
  'ünïcode events.json': { data: Buffer.from(`${events(80, 1)[0]}\n`), lines: events(80, 1) },
};
/**
 * A flat folder for the pagination test. Flat because s3rver's own paging skips keys when a folder
 * and a file share a stem (`2024/` and `2024-x.json`): it walks folders first but resumes by string
 * comparison. Real S3 lists in byte order and has no such problem.
 */
const PAGED = Array.from({ length: 7 }, (_, i) => `paged/events_${i}.json`);
/** Objects near the archive that it must not include. */
const DECOYS = ['backup-old/events.json', 'other/events.json', 'backupx.json'];

interface Backend {
  /** The URI of the archive folder, without a trailing slash. */
  readonly uri: string;
  /** The URI of one listed file, by its name under the prefix. */
  fileUri(name: string): string;
  /** A source URI in the same backend that does not exist. */
  readonly missing: string;
  readonly missingMessage: RegExp;
  open(uri: string): Promise<BackfillSource>;
  /** The PAGED folder read with tiny list pages, its file URIs, and how many list requests were sent so far. */
  paged?: { source: BackfillSource; uris: string[]; listRequests: () => number };
}

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function sourceSuite(
  name: string,
  setUp: () => Promise<{ backend: Backend; tearDown: () => Promise<void> }>,
): void {
  describe(`backfill source: ${name}`, () => {
    let backend: Backend;
    let tearDown: () => Promise<void>;
    beforeAll(async () => {
      ({ backend, tearDown } = await setUp());
    });
    afterAll(async () => tearDown());

    it('lists every file under the folder, recursively, in byte order, with stored sizes', async () => {
      const source = await backend.open(backend.uri);
      const listed = await collect(source.listFiles());
      const names = Object.keys(ARCHIVE).sort(byteOrder);
      expect(listed).toEqual(names.map((n) => ({ uri: backend.fileUri(n), size: ARCHIVE[n]!.data.length })));
      expect(listed[0]!.uri).toBe(backend.fileUri('2024-x.json'));
      // A trailing slash names the same folder.
      expect(await collect((await backend.open(`${backend.uri}/`)).listFiles())).toEqual(listed);
      await source.close();
    });

    it('lists the same across many small pages', async () => {
      if (!backend.paged) return; // a local folder has no pages
      const before = backend.paged.listRequests();
      const listed = await collect(backend.paged.source.listFiles());
      expect(listed.map((f) => f.uri)).toEqual(backend.paged.uris);
      expect(backend.paged.listRequests() - before).toBe(4); // 7 files, 2 a page
    });

    it('streams the exact records of plain, CRLF, gzip and unterminated files', async () => {
      const source = await backend.open(backend.uri);
      for await (const file of source.listFiles()) {
        const name = Object.keys(ARCHIVE).find((n) => backend.fileUri(n) === file.uri)!;
        const lines = await collect(source.openLines(file));
        expect(
          lines.map((line) => line.toString('utf8')),
          name,
        ).toEqual(ARCHIVE[name]!.lines);
      }
      await source.close();
    });

    it('reads a single file when the URI names one', async () => {
      const uri = backend.fileUri('2024/05/02/events_d.json');
      const source = await backend.open(uri);
      const files = await collect(source.listFiles());
      expect(files.map((f) => f.uri)).toEqual([uri]);
      expect((await collect(source.openLines(files[0]!))).map(String)).toEqual(events(60, 2));
      await source.close();
    });

    it('reports a missing source as SHOP_E_LAKE_READ with a clear message', async () => {
      const source = await backend.open(backend.missing);
      const error = await collect(source.listFiles()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopstreamError);
      expect(error).toMatchObject({ code: 'SHOP_E_LAKE_READ', retryable: false });
      expect((error as Error).message).toMatch(backend.missingMessage);
      await source.close();
    });

    it('reports a file that vanished after listing as SHOP_E_LAKE_READ', async () => {
      const source = await backend.open(backend.uri);
      const gone = { uri: backend.fileUri('2024/05/09/gone.json'), size: 1 };
      await expect(collect(source.openLines(gone))).rejects.toMatchObject({ code: 'SHOP_E_LAKE_READ' });
      // Opened but read only later: the failure must wait for the reader, not escape as an uncaught error.
      const later = source.openLines(gone);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(collect(later)).rejects.toMatchObject({ code: 'SHOP_E_LAKE_READ' });
      await source.close();
    });
  });
}

sourceSuite('local folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shopstream-sources-'));
  const put = async (name: string, data: Buffer | string): Promise<void> => {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), data);
  };
  for (const [name, { data }] of Object.entries(ARCHIVE)) await put(`backup/${name}`, data);
  for (const name of DECOYS) await put(name, '{"decoy":true}\n');
  // Hidden files (a lake's temp file left by a crash) are not part of the archive.
  await put('backup/2024/05/01/.shopstream-0123456789abcdef.tmp', '{"partial":');
  return {
    backend: {
      uri: join(dir, 'backup'),
      fileUri: (name) => join(dir, 'backup', name),
      missing: `file:${join(dir, 'nope')}`,
      missingMessage: /does not exist/,
      open: (uri) => openBackfillSource(uri),
    },
    tearDown: () => rm(dir, { recursive: true, force: true }),
  };
});

sourceSuite('gs:// (local Cloud Storage JSON API server)', async () => {
  const gcs = await FakeGcsServer.start({ buckets: ['history'] });
  for (const [name, { data }] of Object.entries(ARCHIVE)) gcs.putObject('history', `backup/${name}`, data);
  for (const name of DECOYS) gcs.putObject('history', name, '{"decoy":true}\n');
  gcs.putObject('history', 'backup/2024/', ''); // a console "folder"
  for (const name of PAGED) gcs.putObject('history', name, '{"a":1}\n');
  return {
    backend: {
      uri: 'gs://history/backup',
      fileUri: (name) => `gs://history/backup/${name}`,
      missing: 'gs://no-such-bucket/backup',
      missingMessage: /bucket gs:\/\/no-such-bucket does not exist/,
      open: (uri) => openBackfillSource(uri, { gcsApiEndpoint: gcs.url }),
      paged: {
        uris: PAGED.map((name) => `gs://history/${name}`),
        source: new GcsSource({
          uri: 'gs://history/paged',
          bucket: 'history',
          prefix: 'paged',
          apiEndpoint: gcs.url,
          listPageSize: 2,
        }),
        listRequests: () => gcs.requestsOf('list').length,
      },
    },
    tearDown: async () => {
      expect(gcs.unsupported).toEqual([]);
      await gcs.close();
    },
  };
});

sourceSuite('s3:// (s3rver)', async () => {
  const s3: S3TestServer = await startS3Server({ buckets: ['history'] });
  for (const [name, { data }] of Object.entries(ARCHIVE))
    await s3.putObject('history', `backup/${name}`, data);
  for (const name of DECOYS) await s3.putObject('history', name, '{"decoy":true}\n');
  await s3.putObject('history', 'backup/2024/', '');
  for (const name of PAGED) await s3.putObject('history', name, '{"a":1}\n');
  // As a user would: the standard AWS variables, no code-level options.
  const saved = Object.fromEntries(Object.keys(s3.env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, s3.env);
  let listRequests = 0;
  const client = new S3Client(s3ClientConfig({}));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ListObjectsV2Command') listRequests++;
      return next(args);
    },
    { step: 'initialize' },
  );
  return {
    backend: {
      uri: 's3://history/backup',
      fileUri: (name) => `s3://history/backup/${name}`,
      missing: 's3://no-such-bucket/backup',
      missingMessage: /the bucket does not exist/,
      open: (uri) => openBackfillSource(uri),
      paged: {
        uris: PAGED.map((name) => `s3://history/${name}`),
        source: new S3Source({
          uri: 's3://history/paged',
          bucket: 'history',
          prefix: 'paged',
          client,
          listPageSize: 2,
        }),
        listRequests: () => listRequests,
      },
    },
    tearDown: async () => {
      client.destroy();
      for (const [key, value] of Object.entries(saved))
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      await s3.close();
    },
  };
});
