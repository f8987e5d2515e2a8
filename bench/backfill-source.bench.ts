/**
 * How fast the backfill source reads local NDJSON archives, plain and gzip, into exact line bytes.
 *
 *   npx tsx bench/backfill-source.bench.ts [lines]      (default 1000000; BENCH_COUNT and BENCH_RUNS work too)
 *
 * Writes `lines` ~400-byte events into archive-like files of 50,000 lines (once plain, once gzip) in
 * a temp folder, then per run lists the folder with `openBackfillSource` and reads every line of every
 * file. Baseline, same run: the bare byte stream of the same files (`createReadStream`, piped through
 * `createGunzip` for gzip) with no line splitting, the I/O and decompression ceiling. The backfill's
 * own target (≥ 100,000 events/s end to end, issue 6) includes validation and the sinks; the reader
 * must be far above it. The generated events differ only in ids, so gzip compresses them far better
 * than real traffic. Prints one `BENCH {…}` JSON line per figure.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip, gzipSync } from 'node:zlib';
import { openBackfillSource } from '../src/archive/sources/open-backfill-source.js';
import { median, printResult, runsFromEnv } from './bench-result.js';

const count = Number(process.argv[2] ?? process.env.BENCH_COUNT ?? 1_000_000);
const runs = runsFromEnv(3);
const LINES_PER_FILE = 50_000;

/** A realistic ~400-byte user_activity event, distinct per line. */
function eventOf(i: number): string {
  const id = i.toString(16).padStart(12, '0');
  return JSON.stringify({
    event_type: 'user_activity',
    user_id: `5b6c7d8e-9f01-4a2b-8c3d-${id}`,
    activity_type: 'view_product',
    ip_address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    user_agent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    timestamp: new Date(Date.UTC(2024, 4, 1) + i * 37).toISOString(),
    metadata: { session_id: `0a1b2c3d-4e5f-4a6b-9c7d-${id}`, platform: 'web' },
  });
}

async function writeArchive(folder: string, gzip: boolean): Promise<number> {
  await mkdir(folder, { recursive: true });
  let bytes = 0;
  for (let start = 0, n = 0; start < count; start += LINES_PER_FILE, n++) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(count, start + LINES_PER_FILE); i++) lines.push(eventOf(i));
    const text = Buffer.from(`${lines.join('\n')}\n`);
    const data = gzip ? gzipSync(text, { level: 6 }) : text;
    bytes += data.length;
    await writeFile(
      join(folder, `events_2024-05-01T10:${String(n).padStart(2, '0')}:00_${n}.json${gzip ? '.gz' : ''}`),
      data,
    );
  }
  return bytes;
}

async function readAll(folder: string): Promise<{ lines: number; bytes: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const source = await openBackfillSource(folder);
  let lines = 0;
  let bytes = 0;
  for await (const file of source.listFiles()) {
    for await (const line of source.openLines(file)) {
      lines++;
      bytes += line.length;
    }
  }
  await source.close();
  return { lines, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function bareBytes(folder: string, files: string[], gzip: boolean): Promise<number> {
  const started = process.hrtime.bigint();
  for (const name of files) {
    const stream = createReadStream(join(folder, name), { highWaterMark: 1024 * 1024 });
    for await (const chunk of gzip ? stream.pipe(createGunzip({ chunkSize: 64 * 1024 })) : stream)
      void (chunk as Buffer).length;
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const root = await mkdtemp(join(tmpdir(), 'shopstream-bench-source-'));
try {
  for (const gzip of [false, true]) {
    const folder = join(root, gzip ? 'gzip' : 'plain');
    process.stderr.write(`writing ${count} lines (${gzip ? 'gzip' : 'plain'}) …\n`);
    const stored = await writeArchive(folder, gzip);
    const files = (await readdir(folder)).sort();
    const rates: number[] = [];
    const baselines: number[] = [];
    let last = { lines: 0, bytes: 0, seconds: 0 };
    for (let run = 0; run < runs; run++) {
      last = await readAll(folder);
      if (last.lines !== count) throw new Error(`read ${last.lines} lines, expected ${count}`);
      rates.push(last.lines / last.seconds);
      baselines.push(count / (await bareBytes(folder, files, gzip)));
      process.stderr.write(`  run ${run + 1}: ${Math.round(rates.at(-1)!)} lines/s\n`);
    }
    printResult({
      name: `backfill-source-local-${gzip ? 'gzip' : 'plain'}`,
      description: `backfill source: read ${count.toLocaleString('en-US')} NDJSON lines from ${files.length} local ${gzip ? 'gzip' : 'plain'} files as exact line bytes`,
      value: Math.round(median(rates)),
      unit: 'lines/s',
      runs: rates.map(Math.round),
      target: '≥ 100000 (whole backfill, issue 6)',
      baseline: {
        name: gzip
          ? 'bare createReadStream + createGunzip, no line splitting'
          : 'bare createReadStream, no line splitting',
        value: Math.round(median(baselines)),
        unit: 'lines/s',
      },
      extra: {
        'stored MB': Math.round(stored / 2 ** 20),
        'line MB/s': Math.round(last.bytes / 2 ** 20 / last.seconds),
      },
    });
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
