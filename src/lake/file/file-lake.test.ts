import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { FileLake } from './file-lake.js';

describe('FileLake', () => {
  let outer: string;
  let root: string;
  let lake: FileLake;

  beforeEach(async () => {
    outer = await mkdtemp(join(tmpdir(), 'shopstream-file-lake-'));
    root = join(outer, 'lake');
    lake = new FileLake({ uri: `file:${root}`, directory: root });
  });
  afterEach(async () => {
    await chmod(outer, 0o700).catch(() => undefined);
    await chmod(root, 0o700).catch(() => undefined);
    await rm(outer, { recursive: true, force: true });
  });

  it('never lets a reader see a half-written file, and never lists a temp file', async () => {
    await lake.start();
    // Large versions with distinct content: a non-atomic write would be seen short or mixed.
    const versions = Array.from({ length: 6 }, (_, v) => Buffer.alloc(8 * 1024 * 1024 + v, 97 + v));
    const digests = new Set(versions.map(digest));
    const key = 'output/order/2024/05/01/10/07/order_202405011007_x.json';
    const path = join(root, key);

    let writing = true;
    let reads = 0;
    const seen: string[] = [];
    const listedKeys = new Set<string>();
    const reader = (async () => {
      while (writing) {
        for await (const file of lake.list('output/')) listedKeys.add(file.key);
        const content = await readFile(path).catch(() => undefined);
        if (content) {
          reads++;
          seen.push(digest(content));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (const version of versions) await lake.writeFile(key, version);
    writing = false;
    await reader;

    expect(reads).toBeGreaterThan(0);
    expect(seen.filter((d) => !digests.has(d))).toEqual([]);
    expect([...listedKeys]).toEqual([key]);
    expect(await readdir(join(root, 'output/order/2024/05/01/10/07'))).toEqual(['order_202405011007_x.json']);
  });

  it('ignores temp files left by a crash, and refuses a key named like one', async () => {
    await lake.writeFile('output/a.json', 'a\n');
    await writeFile(join(root, 'output/.shopstream-0123456789abcdef.tmp'), 'partial');
    expect(await collect(lake.list(''))).toEqual([{ key: 'output/a.json', size: 2 }]);
    await expect(lake.writeFile('output/.shopstream-0123456789abcdef.tmp', 'x')).rejects.toMatchObject({
      code: 'SHOP_E_LAKE_WRITE',
      retryable: false,
    });
  });

  it('creates the root and missing folders', async () => {
    await lake.start();
    expect(await readdir(root)).toEqual([]);
    await lake.writeFile('a/b/c/d.json', 'x');
    expect(await readFile(join(root, 'a/b/c/d.json'), 'utf8')).toBe('x');
  });

  it('reports a folder it may not write to as a non-retryable SHOP_E_LAKE_WRITE (someone must fix it), and works once fixed', async () => {
    await lake.start();
    await lake.writeFile('output/before.json', 'ok');
    // Tests may run as root, whom file modes do not stop: drop the effective uid to `nobody` around
    // the calls, so the kernel really answers EACCES.
    await chmod(outer, 0o755);
    await chmod(root, 0o555);
    const asUnprivileged = async <T>(work: () => Promise<T>): Promise<T> => {
      if (process.geteuid?.() !== 0) return work();
      process.seteuid!(65534);
      try {
        return await work();
      } finally {
        process.seteuid!(0);
      }
    };
    const writeError = await asUnprivileged(() =>
      lake.writeFile('new-folder/x.json', 'x').catch((e: unknown) => e),
    );
    const startError = await asUnprivileged(() => lake.start().catch((e: unknown) => e));
    for (const error of [writeError, startError]) {
      expect(error).toBeInstanceOf(ShopstreamError);
      expect(error).toMatchObject({ code: 'SHOP_E_LAKE_WRITE', retryable: false });
    }
    expect((writeError as ShopstreamError).context.errno).toBe('EACCES');
    expect(await readdir(root)).toEqual(['output']);

    // Once the permission is fixed, the same write succeeds (the pipeline keeps retrying meanwhile).
    await chmod(root, 0o755);
    await lake.writeFile('new-folder/x.json', 'x');
    expect(await readFile(join(root, 'new-folder/x.json'), 'utf8')).toBe('x');
  });

  it('reports a key whose folder is a regular file as SHOP_E_LAKE_WRITE and leaves no temp file', async () => {
    await lake.writeFile('a', 'a regular file');
    const error = await lake.writeFile('a/b.json', 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SHOP_E_LAKE_WRITE' });
    expect(['ENOTDIR', 'EEXIST']).toContain((error as ShopstreamError).context.errno);
    expect(await readdir(root)).toEqual(['a']);
  });

  it('reports a name too long for the file system as a non-retryable SHOP_E_LAKE_WRITE', async () => {
    const error = await lake.writeFile(`output/${'n'.repeat(300)}.json`, 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SHOP_E_LAKE_WRITE', retryable: false });
    expect((error as ShopstreamError).context.errno).toBe('ENAMETOOLONG');
  });

  it('fails start() when the root cannot be a folder', async () => {
    await writeFile(join(outer, 'file'), 'x');
    const blocked = new FileLake({ uri: 'file:x', directory: join(outer, 'file', 'lake') });
    await expect(blocked.start()).rejects.toMatchObject({ code: 'SHOP_E_LAKE_WRITE' });
  });

  it('lists nothing (rather than failing) when the root or prefix folder does not exist yet', async () => {
    expect(await collect(lake.list(''))).toEqual([]);
    await mkdir(join(root, 'output'), { recursive: true });
    expect(await collect(lake.list('output/order/'))).toEqual([]);
    await lake.writeFile('output/file', 'x');
    expect(await collect(lake.list('output/file/'))).toEqual([]);
  });
});

function digest(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
