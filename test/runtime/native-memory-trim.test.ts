import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startNativeMemoryTrim } from '../../src/runtime/native-memory-trim.js';
import { capturedStream } from '../support/captured-stream.js';

const glibc = Boolean(
  (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime,
);

describe.runIf(glibc)('native memory trim (glibc)', () => {
  it('gives memory freed inside the heap back to the system, which free() alone keeps', () => {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./fragmented-heap.ts', import.meta.url))],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.stderr).toBe('');
    const rss = JSON.parse(child.stdout) as Record<string, number | boolean>;
    const grown = (rss.allocated as number) - (rss.baseline as number);
    expect(grown).toBeGreaterThan(150);
    // Freed, collected, and still resident: glibc keeps it for reuse.
    expect(rss.freed as number).toBeGreaterThan((rss.allocated as number) - grown / 4);
    expect(rss.released).toBe(true);
    // After the trim the process is back near where it started.
    expect(rss.trimmed as number).toBeLessThan((rss.baseline as number) + grown / 4);
  });

  it('trims on a timer in a running process, and stops when told', async () => {
    const log = capturedStream(false);
    const logger = pino({ level: 'debug' }, log.stream);
    const stop = startNativeMemoryTrim({ everyMs: 20, logger });
    await expect.poll(() => log.text().includes('"msg":"malloc_trim"'), { timeout: 5_000 }).toBe(true);
    stop();
    const trimsBefore = log.text().split('malloc_trim').length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // One trim may still have been under way when stop() was called.
    expect(log.text().split('malloc_trim').length).toBeLessThanOrEqual(trimsBefore + 1);
  });
});
