import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BackfillProgress } from './backfill.js';
import { BackfillProgressReporter } from './backfill-progress-reporter.js';

/** A stream that keeps what is written; `isTTY` says whether it poses as a terminal. */
function captured(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY, columns: 200 });
  return { stream, text: () => text };
}

const progress = (over: Partial<BackfillProgress> = {}): BackfillProgress => ({
  files: 1,
  filesTotal: 4,
  filesSkipped: 0,
  bytes: 250,
  bytesTotal: 1_000,
  records: 5_000,
  accepted: 4_900,
  deadLettered: 100,
  ...over,
});

describe('BackfillProgressReporter', () => {
  it('writes plain lines, at most one per interval, when not on a terminal', () => {
    const out = captured(false);
    const reporter = new BackfillProgressReporter(out.stream, 60_000);
    reporter.update(progress());
    reporter.update(progress({ files: 2, records: 9_000 }));
    reporter.finish(progress({ files: 4, bytes: 1_000 }));
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backfill 25\.0% files 1\/4 records 5000 \(4900 ok, 100 DLQ\) \d+\/s$/);
  });

  it('draws a bar with counts, rate and ETA on a terminal, and stops it', async () => {
    const out = captured(true);
    const reporter = new BackfillProgressReporter(out.stream);
    reporter.update(progress());
    await new Promise((resolve) => setTimeout(resolve, 50));
    reporter.finish(
      progress({ files: 4, bytes: 1_000, records: 20_000, accepted: 19_600, deadLettered: 400 }),
    );
    const text = out.text();
    expect(text).toContain('files 1/4 | 5000 records (4900 ok, 100 DLQ)');
    expect(text).toMatch(/files 4\/4 \| 20000 records \(19600 ok, 400 DLQ\) \| \d+\/s \| ETA \S+/);
    expect(text).toContain('100%');
  });

  it('stop() ends a bar that never finished: no redraw timer is left to keep a failed backfill alive', () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const out = captured(true);
    const reporter = new BackfillProgressReporter(out.stream);
    const before = timers();
    reporter.update(progress());
    expect(timers()).toBeGreaterThan(before);
    reporter.stop();
    expect(timers()).toBe(before);
    reporter.stop();
  });
});
