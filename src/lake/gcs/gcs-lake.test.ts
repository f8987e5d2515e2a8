import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGcsServer } from '../../../test/support/fake-gcs-server.js';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { GcsLake, type GcsLakeOptions } from './gcs-lake.js';

describe('GcsLake', () => {
  let gcs: FakeGcsServer;
  const lakeOf = (options: Partial<GcsLakeOptions> = {}): GcsLake =>
    new GcsLake({ uri: 'gs://lake/prod', bucket: 'lake', prefix: 'prod', apiEndpoint: gcs.url, ...options });

  beforeEach(async () => {
    gcs = await FakeGcsServer.start({ buckets: ['lake'] });
  });
  afterEach(async () => {
    expect(gcs.unsupported).toEqual([]);
    await gcs.close();
  });

  it('uploads each file in one multipart request (no resumable session), under the prefix, typed as NDJSON', async () => {
    const lake = lakeOf();
    await lake.start();
    await lake.writeFile('output/order/2024/05/01/10/07/order_a.json', '{"a":1}\n{"a":2}\n');
    await lake.writeFile('output/archive/events.gz', Buffer.from([0x1f, 0x8b, 0]));

    const uploads = gcs.requestsOf('upload');
    expect(uploads.map((r) => [r.method, r.query.get('uploadType'), r.query.get('name'), r.status])).toEqual([
      ['POST', 'multipart', 'prod/output/order/2024/05/01/10/07/order_a.json', 200],
      ['POST', 'multipart', 'prod/output/archive/events.gz', 200],
    ]);
    const stored = gcs.objects('lake');
    expect([...stored.keys()]).toEqual([
      'prod/output/order/2024/05/01/10/07/order_a.json',
      'prod/output/archive/events.gz',
    ]);
    expect(stored.get('prod/output/order/2024/05/01/10/07/order_a.json')).toMatchObject({
      data: Buffer.from('{"a":1}\n{"a":2}\n'),
      contentType: 'application/x-ndjson',
    });
    expect(stored.get('prod/output/archive/events.gz')?.contentType).toBe('application/gzip');
  });

  it('retries an upload that failed with 503 and stores the object once', async () => {
    const lake = lakeOf();
    gcs.failNext(1, 503);
    await lake.writeFile('output/x.json', 'x\n');
    expect(gcs.requestsOf('upload').map((r) => r.status)).toEqual([503, 200]);
    expect(gcs.objects('lake').get('prod/output/x.json')?.data.toString()).toBe('x\n');
  });

  it('retries an upload whose connection was reset', async () => {
    const lake = lakeOf();
    gcs.failNext(1, 'reset');
    await lake.writeFile('output/x.json', 'x\n');
    expect(gcs.requestsOf('upload').map((r) => r.status)).toEqual([0, 200]);
    expect(gcs.objects('lake').size).toBe(1);
  });

  it('gives up after its retries with a retryable SHOP_E_LAKE_WRITE carrying the status', async () => {
    const lake = lakeOf({ maxRetries: 1 });
    gcs.failNext(5, 503);
    const error = await lake.writeFile('output/x.json', 'x\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopstreamError);
    expect(error).toMatchObject({ code: 'SHOP_E_LAKE_WRITE', retryable: true, context: { status: 503 } });
    expect(gcs.requestsOf('upload')).toHaveLength(2);
    expect(gcs.objects('lake').size).toBe(0);
  });

  it('does not repeat a 403 and reports it as a non-retryable SHOP_E_LAKE_WRITE (fixed by granting access)', async () => {
    const lake = lakeOf();
    gcs.failNext(1, 403);
    const error = await lake.writeFile('output/x.json', 'x\n').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SHOP_E_LAKE_WRITE', retryable: false, context: { status: 403 } });
    expect((error as Error).message).toMatch(/IAM/);
    expect(gcs.requestsOf('upload')).toHaveLength(1);
    expect(gcs.objects('lake').size).toBe(0);
  });

  it('retries a read that failed with 503; a missing object is a non-retryable SHOP_E_LAKE_READ', async () => {
    const lake = lakeOf();
    gcs.putObject('lake', 'prod/a.json', 'a\n');
    gcs.failNext(1, 503, 'download');
    expect((await lake.readFile('a.json')).toString()).toBe('a\n');
    expect(gcs.requestsOf('download').map((r) => r.status)).toEqual([503, 200]);
    await expect(lake.readFile('missing.json')).rejects.toMatchObject({
      code: 'SHOP_E_LAKE_READ',
      retryable: false,
    });
  });

  it('lists only its prefix, page by page, with keys relative to the prefix', async () => {
    const lake = lakeOf({ listPageSize: 2 });
    for (const name of [
      'prod/e.json',
      'prod/a/b.json',
      'prod/c.json',
      'prod/d/',
      'prodx/z.json',
      'other/q.json',
    ])
      gcs.putObject('lake', name, name);
    for (const name of ['prod/b.json', 'prod/a/a.json']) gcs.putObject('lake', name, name);
    const listed = [];
    for await (const file of lake.list('')) listed.push(file);
    expect(listed).toEqual([
      { key: 'a/a.json', size: 'prod/a/a.json'.length },
      { key: 'a/b.json', size: 'prod/a/b.json'.length },
      { key: 'b.json', size: 'prod/b.json'.length },
      { key: 'c.json', size: 'prod/c.json'.length },
      { key: 'e.json', size: 'prod/e.json'.length },
    ]);
    // 6 objects under "prod/" (one a folder placeholder), 2 a page.
    expect(gcs.requestsOf('list').map((r) => r.query.get('prefix'))).toEqual(['prod/', 'prod/', 'prod/']);
  });

  it('refuses a prefix that is not a clean folder as a configuration error', () => {
    for (const prefix of ['a//b', '../x', 'a/./b'])
      expect(() => lakeOf({ prefix })).toThrow(expect.objectContaining({ code: 'SHOP_E_CONFIG_INVALID' }));
    expect(() => lakeOf({ prefix: 'a/b/' })).not.toThrow();
  });

  it('fails start() with SHOP_E_LAKE_WRITE when the bucket does not exist', async () => {
    const lake = new GcsLake({ uri: 'gs://nope', bucket: 'nope', apiEndpoint: gcs.url });
    await expect(lake.start()).rejects.toMatchObject({ code: 'SHOP_E_LAKE_WRITE', context: { status: 404 } });
  });

  it('on a bucket it may only read (Storage Object Viewer): start() and writes refuse, lists and reads work', async () => {
    gcs.putObject('lake', 'prod/output/order/a.json', '{"a":1}\n');
    gcs.setReadOnly('lake');
    const lake = lakeOf();
    await expect(lake.start()).rejects.toMatchObject({
      code: 'SHOP_E_LAKE_WRITE',
      message: expect.stringContaining('needs storage.objects.create'),
    });
    await expect(lake.writeFile('output/order/b.json', '{}\n')).rejects.toMatchObject({
      code: 'SHOP_E_LAKE_WRITE',
      retryable: false,
    });
    const keys: string[] = [];
    for await (const file of lake.list('output/')) keys.push(file.key);
    expect(keys).toEqual(['output/order/a.json']);
    expect((await lake.readFile('output/order/a.json')).toString()).toBe('{"a":1}\n');
    expect([...gcs.objects('lake').keys()]).toEqual(['prod/output/order/a.json']);
  });

  it('reaches the server named by STORAGE_EMULATOR_HOST when no endpoint is given', async () => {
    const saved = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = gcs.url;
    try {
      const lake = new GcsLake({ uri: 'gs://lake', bucket: 'lake' });
      await lake.start();
      await lake.writeFile('k/v.json', 'v\n');
      expect((await lake.readFile('k/v.json')).toString()).toBe('v\n');
      const listed = [];
      for await (const file of lake.list('k/')) listed.push(file.key);
      expect(listed).toEqual(['k/v.json']);
    } finally {
      if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = saved;
    }
    // The library sends metadata and list requests without /storage/v1 in this mode.
    expect(gcs.requests.some((r) => r.path === '/b/lake/o')).toBe(true);
  });
});
