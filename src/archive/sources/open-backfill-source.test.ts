import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBackfillSource, parseBackfillUri } from './open-backfill-source.js';
import { s3ClientConfig } from './s3-source.js';

describe('parseBackfillUri', () => {
  it.each([
    ['gs://bucket', { kind: 'gs', bucket: 'bucket', prefix: '' }],
    ['gs://bucket/', { kind: 'gs', bucket: 'bucket', prefix: '' }],
    ['gs://bucket/backup/2024', { kind: 'gs', bucket: 'bucket', prefix: 'backup/2024' }],
    ['s3://history/backup/', { kind: 's3', bucket: 'history', prefix: 'backup/' }],
    ['/data/backup', { kind: 'file', path: '/data/backup' }],
    ['./backup', { kind: 'file', path: resolve('backup') }],
    ['backup/events.json.gz', { kind: 'file', path: resolve('backup/events.json.gz') }],
    ['file:/data/backup', { kind: 'file', path: '/data/backup' }],
    ['file:./rel', { kind: 'file', path: resolve('rel') }],
    ['file:///data/with%20space', { kind: 'file', path: '/data/with space' }],
  ])('%s', (uri, expected) => {
    expect(parseBackfillUri(uri)).toEqual(expected);
  });

  it.each(['gs://', 's3:///x', 'http://example.com/x.json', 'az://c/x', ''])(
    'rejects %j with SHOP_E_USAGE',
    (uri) => {
      expect(() => parseBackfillUri(uri)).toThrow(expect.objectContaining({ code: 'SHOP_E_USAGE' }));
    },
  );

  it('opens the source matching the scheme', async () => {
    expect((await openBackfillSource('./x')).constructor.name).toBe('FileSource');
    expect(
      (await openBackfillSource('gs://b/p', { gcsApiEndpoint: 'http://127.0.0.1:9' })).constructor.name,
    ).toBe('GcsSource');
    const s3 = await openBackfillSource('s3://b/p', { s3: { endpoint: 'http://127.0.0.1:9' } });
    expect(s3.constructor.name).toBe('S3Source');
    await s3.close();
  });
});

describe('s3ClientConfig', () => {
  it('takes the endpoint and region from the standard AWS variables, path-style with a custom endpoint', () => {
    expect(
      s3ClientConfig({}, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569', AWS_ENDPOINT_URL: 'http://x' }),
    ).toEqual({
      endpoint: 'http://127.0.0.1:4569',
      region: 'us-east-1',
      forcePathStyle: true,
      followRegionRedirects: true,
    });
    expect(s3ClientConfig({}, { AWS_ENDPOINT_URL: 'http://x:1', AWS_REGION: 'eu-west-3' })).toMatchObject({
      endpoint: 'http://x:1',
      region: 'eu-west-3',
    });
    // Real AWS: virtual-hosted URLs, and the region from the SDK's own chain when no variable is set.
    expect(s3ClientConfig({}, {})).toEqual({ forcePathStyle: false, followRegionRedirects: true });
    expect(s3ClientConfig({ forcePathStyle: false }, { AWS_ENDPOINT_URL: 'http://x:1' }).forcePathStyle).toBe(
      false,
    );
  });
});
