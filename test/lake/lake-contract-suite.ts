import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../src/errors/shopstream-error.js';
import type { Lake, LakeFile } from '../../src/lake/lake.js';

/** A lake to test, with a view of its storage from outside the lake. */
export interface LakeUnderTest {
  readonly lake: Lake;
  /**
   * Every file the backing storage holds, including anything outside the lake's root (the whole temp
   * folder around it, every bucket), so a test can prove an unsafe key wrote nothing anywhere.
   */
  storedPaths(): Promise<string[]>;
  close(): Promise<void>;
}

const UNSAFE_KEYS = [
  '../x.json',
  '/abs.json',
  'a//b.json',
  'a/./b.json',
  'a\\b.json',
  'a/\0b.json',
  '',
  'a/',
  'a/..',
];

/**
 * The behaviour every {@link Lake} adapter must have, run against each of them:
 * `lakeContractSuite('FileLake', async () => ({ lake, storedPaths, close }))`.
 */
export function lakeContractSuite(name: string, open: () => Promise<LakeUnderTest>): void {
  describe(`Lake contract: ${name}`, () => {
    let subject: LakeUnderTest;
    let lake: Lake;

    beforeEach(async () => {
      subject = await open();
      lake = subject.lake;
      await lake.start();
    });
    afterEach(async () => {
      await lake.close();
      await subject.close();
    });

    it('reads back exactly the bytes written, from a string or a Uint8Array', async () => {
      await lake.writeFile('output/order/2024/05/01/10/07/order_a.json', '{"event_type":"order","ü":"€"}\n');
      const bytes = new Uint8Array([123, 125, 10]);
      await lake.writeFile('output/inventory/2024/05/01/10/07/inventory_a.json', bytes);
      expect((await lake.readFile('output/order/2024/05/01/10/07/order_a.json')).toString('utf8')).toBe(
        '{"event_type":"order","ü":"€"}\n',
      );
      expect([...(await lake.readFile('output/inventory/2024/05/01/10/07/inventory_a.json'))]).toEqual([
        ...bytes,
      ]);
    });

    it('keeps binary content byte for byte (every byte value, invalid UTF-8, NUL, CR)', async () => {
      const content = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        randomBytes(4096),
      ]);
      await lake.writeFile('bin/all-bytes.bin', content);
      expect((await lake.readFile('bin/all-bytes.bin')).equals(content)).toBe(true);
      expect(await collect(lake.list('bin/'))).toEqual([{ key: 'bin/all-bytes.bin', size: content.length }]);
    });

    it('writes content given in pieces one after the other, byte for byte', async () => {
      const pieces = Array.from({ length: 3000 }, (_, i) => randomBytes(i % 7));
      await lake.writeFile('pieces/many.bin', pieces);
      await lake.writeFile('pieces/none.bin', []);
      const whole = Buffer.concat(pieces);
      expect((await lake.readFile('pieces/many.bin')).equals(whole)).toBe(true);
      expect(await collect(lake.list('pieces/'))).toEqual([
        { key: 'pieces/many.bin', size: whole.length },
        { key: 'pieces/none.bin', size: 0 },
      ]);
    });

    it('overwrites a key with the new content', async () => {
      await lake.writeFile('output/x.json', 'first version\n');
      await lake.writeFile('output/x.json', 'v2\n');
      expect((await lake.readFile('output/x.json')).toString()).toBe('v2\n');
      expect(await collect(lake.list('output/'))).toEqual([{ key: 'output/x.json', size: 3 }]);
    });

    it('writes and reads an empty file', async () => {
      await lake.writeFile('empty.json', '');
      expect((await lake.readFile('empty.json')).length).toBe(0);
      expect(await collect(lake.list('empty'))).toEqual([{ key: 'empty.json', size: 0 }]);
    });

    it('lists recursively under a key prefix, in byte order, with sizes', async () => {
      const keys = [
        'output/order/2024/05/01/10/08/order_202405011008_b.json',
        'output/order/2024/05/01/10/07/order_202405011007_z.json',
        'output/order/2024/05/01/10/07/order_202405011007_a.json',
        'output/order/2024/05/01/9/order.json',
        'output/order-x/z.json',
        'output/order.json',
        'output/inventory/2024/05/01/10/07/inventory_a.json',
        'output/errors/2024/05/01/10/07/errors_a.json',
        'other/a.json',
        'output/ünïcode dir/a+b%20c.json',
      ];
      for (const [i, key] of keys.entries()) await lake.writeFile(key, 'x'.repeat(i + 1));
      const sizeOf = new Map(keys.map((key, i) => [key, i + 1]));
      const expected = (prefix: string): LakeFile[] =>
        keys
          .filter((key) => key.startsWith(prefix))
          .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
          .map((key) => ({ key, size: sizeOf.get(key)! }));

      for (const prefix of [
        '',
        'output/',
        'output/order/',
        'output/order',
        'output/order/2024/05/01/10/07/',
        'output/ü',
      ])
        expect(await collect(lake.list(prefix)), `list(${JSON.stringify(prefix)})`).toEqual(expected(prefix));
      // The string prefix also matches siblings whose names merely start with it, ordered by bytes:
      // '-' (0x2d) and '.' (0x2e) before '/' (0x2f).
      expect((await collect(lake.list('output/order'))).map((f) => f.key).slice(0, 2)).toEqual([
        'output/order-x/z.json',
        'output/order.json',
      ]);
      expect(await collect(lake.list('nothing/here/'))).toEqual([]);
    });

    it('rejects unsafe keys with a non-retryable SHOP_E_LAKE_WRITE and writes nothing anywhere', async () => {
      await lake.writeFile('safe/a.json', 'a');
      const before = await subject.storedPaths();
      for (const key of UNSAFE_KEYS) {
        const error = await lake.writeFile(key, 'escape').catch((e: unknown) => e);
        expect(error, JSON.stringify(key)).toBeInstanceOf(ShopstreamError);
        expect((error as ShopstreamError).code).toBe('SHOP_E_LAKE_WRITE');
        expect((error as ShopstreamError).retryable).toBe(false);
      }
      expect(await subject.storedPaths()).toEqual(before);
    });

    it('rejects unsafe keys on read and list with SHOP_E_LAKE_READ', async () => {
      for (const key of UNSAFE_KEYS) {
        await expect(lake.readFile(key), JSON.stringify(key)).rejects.toMatchObject({
          code: 'SHOP_E_LAKE_READ',
        });
      }
      for (const prefix of ['../', '/', 'a//', '..']) {
        await expect(collect(lake.list(prefix)), JSON.stringify(prefix)).rejects.toMatchObject({
          code: 'SHOP_E_LAKE_READ',
        });
      }
    });

    it('reports a missing file as a non-retryable SHOP_E_LAKE_READ', async () => {
      const error = await lake.readFile('output/missing.json').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopstreamError);
      expect(error).toMatchObject({ code: 'SHOP_E_LAKE_READ', retryable: false });
    });

    it('round-trips a large file', async () => {
      const content = randomBytes(6 * 1024 * 1024 + 17);
      await lake.writeFile('big/large.json', content);
      expect((await lake.readFile('big/large.json')).equals(content)).toBe(true);
      expect(await collect(lake.list('big/'))).toEqual([{ key: 'big/large.json', size: content.length }]);
    });

    it('keeps every file of concurrent writers', async () => {
      const keys = Array.from(
        { length: 24 },
        (_, i) => `output/order/2024/05/01/10/07/order_w${i % 3}_${i}.json`,
      );
      await Promise.all(keys.map((key) => lake.writeFile(key, `${key}\n`)));
      const listed = await collect(lake.list('output/order/'));
      expect(listed.map((f) => f.key)).toEqual([...keys].sort());
      for (const key of keys) expect((await lake.readFile(key)).toString()).toBe(`${key}\n`);
    });
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
