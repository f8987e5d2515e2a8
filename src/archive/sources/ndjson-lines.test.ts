import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { ndjsonLines } from './ndjson-lines.js';

/** The bytes, cut into chunks at the given offsets. */
async function* chunked(data: Buffer, cuts: readonly number[] = []): AsyncGenerator<Buffer> {
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)) {
    yield data.subarray(start, cut);
    start = cut;
  }
  yield data.subarray(start);
}

async function lines(bytes: AsyncIterable<Buffer>, maxLineBytes?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const line of ndjsonLines(bytes, { uri: 'test.json', maxLineBytes }))
    out.push(line.toString('latin1'));
  return out;
}

/** What the reader must return, written the obvious way. */
function reference(data: Buffer): string[] {
  return data
    .toString('latin1')
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.length > 0);
}

describe('ndjsonLines', () => {
  it('returns the exact bytes of each line, however the stream is chunked, plain or gzip', async () => {
    // Random bytes, and bytes biased towards \n and \r so lines, CRLFs and empty lines are frequent.
    const biasedByte = fc.oneof(fc.constant(0x0a), fc.constant(0x0d), fc.integer({ min: 0, max: 255 }));
    const data = fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.array(biasedByte, { maxLength: 400 }));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          data: data.map((bytes) => Buffer.from(bytes)),
          cuts: fc.array(fc.nat(), { maxLength: 8 }),
          gzip: fc.boolean(),
        }),
        async ({ data, cuts, gzip }) => {
          const stored = gzip ? gzipSync(data) : data;
          // A plain file that happens to start with 1f 8b is not NDJSON anyway; keep the model simple.
          fc.pre(gzip || !(data[0] === 0x1f && data[1] === 0x8b));
          expect(await lines(chunked(stored, cuts))).toEqual(reference(data));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles CRLF, blank lines, no final newline, and keeps invalid UTF-8 as is', async () => {
    const data = Buffer.concat([
      Buffer.from('{"a":1}\r\n\r\n\n{"b":2}\n'),
      Buffer.from([0xff, 0xfe, 0x0d, 0x0d, 0x0a]),
      Buffer.from('{"c":3}'),
    ]);
    const got = [];
    for await (const line of ndjsonLines(chunked(data, [3, 9, 10]), { uri: 'x' })) got.push(line);
    expect(got.map((b) => b.toString('hex'))).toEqual([
      Buffer.from('{"a":1}').toString('hex'),
      Buffer.from('{"b":2}').toString('hex'),
      'fffe0d', // only one trailing CR belongs to the line ending
      Buffer.from('{"c":3}').toString('hex'),
    ]);
  });

  it('keeps empty lines as empty records when asked (an archive writes an empty message as one)', async () => {
    const data = Buffer.from('{"a":1}\n\n\r\n{"b":2}\n');
    const got: string[] = [];
    for await (const line of ndjsonLines(chunked(data, [8]), { uri: 'x', keepEmptyLines: true }))
      got.push(line.toString());
    expect(got).toEqual(['{"a":1}', '', '', '{"b":2}']);
  });

  it('decompresses multi-member gzip (concatenated .gz files) and a gzip split before its magic bytes end', async () => {
    const data = Buffer.concat([gzipSync('{"a":1}\n{"a":2}\n'), gzipSync('{"a":3}\n')]);
    expect(await lines(chunked(data, [1, 2, 30]))).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
  });

  it('streams many lines from a large gzip', async () => {
    const text = Array.from({ length: 50_000 }, (_, i) => `{"i":${i}}`).join('\n') + '\n';
    const got = await lines(chunked(gzipSync(text), [100_000, 200_000]));
    expect(got).toHaveLength(50_000);
    expect(got[49_999]).toBe('{"i":49999}');
  });

  it('fails with SHOP_E_LAKE_READ on corrupt or truncated gzip', async () => {
    const gz = gzipSync('{"a":1}\n'.repeat(1000));
    for (const broken of [
      gz.subarray(0, gz.length - 20),
      Buffer.concat([gz.subarray(0, 12), Buffer.alloc(50, 7)]),
    ]) {
      const error = await lines(chunked(broken)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopstreamError);
      expect(error).toMatchObject({ code: 'SHOP_E_LAKE_READ', retryable: false });
      expect((error as Error).message).toMatch(/not valid gzip/);
    }
  });

  it('refuses a line longer than maxLineBytes instead of buffering it', async () => {
    await expect(lines(chunked(Buffer.alloc(100, 0x61), [10, 20]), 50)).rejects.toMatchObject({
      code: 'SHOP_E_LAKE_READ',
    });
    await expect(lines(chunked(Buffer.from('a'.repeat(60) + '\n')), 50)).rejects.toMatchObject({
      code: 'SHOP_E_LAKE_READ',
    });
    expect(await lines(chunked(Buffer.from('a'.repeat(50) + '\n'), [25]), 50)).toEqual(['a'.repeat(50)]);
  });

  it('maps a failure of the byte stream with mapError, and stops the stream when the reader leaves', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"a":1}\n{"b"');
      throw new Error('connection reset');
    }
    const mapError = (error: unknown): ShopstreamError =>
      new ShopstreamError('SHOP_E_LAKE_READ', `mapped: ${(error as Error).message}`, { retryable: true });
    const got: string[] = [];
    const error = await (async () => {
      for await (const line of ndjsonLines(failing(), { uri: 'x', mapError })) got.push(line.toString());
    })().catch((e: unknown) => e);
    expect(got).toEqual(['{"a":1}']);
    expect(error).toMatchObject({
      code: 'SHOP_E_LAKE_READ',
      retryable: true,
      message: 'mapped: connection reset',
    });

    // A reader that stops after one line must stop the source, plain or gzip (endless either way).
    for (const gzip of [false, true]) {
      let closed = false;
      const endless = async function* (): AsyncGenerator<Buffer> {
        try {
          for (;;) yield gzip ? gzipSync('{"a":1}\n') : Buffer.from('{"a":1}\n');
        } finally {
          closed = true;
        }
      };
      for await (const line of ndjsonLines(endless(), { uri: 'x' })) if (line.length) break;
      await new Promise((resolve) => setImmediate(resolve));
      expect(closed, `gzip=${gzip}`).toBe(true);
    }
  });
});
