import { describe, expect, it } from 'vitest';
import { capturedStream } from '../../../test/support/captured-stream.js';
import { ProgressBar } from './progress-bar.js';

interface Progress {
  readonly files: number;
  readonly bytes: number;
  readonly bytesTotal?: number;
  readonly records: number;
}

const SPEC = {
  label: 'backfill',
  done: (p: Progress) => p.bytes,
  total: (p: Progress) => p.bytesTotal,
  rateOf: (p: Progress) => p.records,
  detail: (p: Progress) => `files ${p.files} | ${p.records} records {not a token}`,
};

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('ProgressBar', () => {
  it('draws label, bar, percentage, the detail as given, the rate of its own count and an ETA', async () => {
    const out = capturedStream(true);
    const bar = new ProgressBar(SPEC, out.stream);
    bar.update({ files: 1, bytes: 250, bytesTotal: 1_000, records: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    bar.finish({ files: 4, bytes: 1_000, bytesTotal: 1_000, records: 20_000 });
    const text = out.text();
    expect(text).toMatch(
      /backfill \[[^\]]+\] 25% \| files 1 \| 5000 records \{not a token\} \| [\d,]+\/s \| ETA/,
    );
    expect(text).toMatch(
      /backfill \[[^\]]+\] 100% \| files 4 \| 20000 records \{not a token\} \| [\d,]+\/s \| ETA/,
    );
  });

  it('without a total: no bar, percentage or ETA, but the time so far', async () => {
    const out = capturedStream(true);
    const bar = new ProgressBar(SPEC, out.stream);
    bar.update({ files: 0, bytes: 10, records: 10 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    bar.finish({ files: 0, bytes: 30, records: 30 });
    expect(out.text()).toMatch(/backfill files 0 \| 30 records \{not a token\} \| [\d,]+\/s \| \d+s/);
    expect(out.text()).not.toContain('%');
  });

  it('redraws inside a loop that never yields to timers', () => {
    const out = capturedStream(true);
    const bar = new ProgressBar(SPEC, out.stream);
    const until = Date.now() + 600;
    let records = 0;
    while (Date.now() < until) bar.update({ files: 0, bytes: ++records, bytesTotal: 1e12, records });
    bar.stop();
    expect(out.text().split('backfill [').length - 1).toBeGreaterThanOrEqual(2);
  });

  it('draws nothing and starts no timer without a stream', () => {
    const before = timers();
    const bar = new ProgressBar(SPEC, undefined);
    bar.update({ files: 1, bytes: 1, bytesTotal: 2, records: 1 });
    expect(bar.visible).toBe(false);
    expect(timers()).toBe(before);
    bar.finish({ files: 1, bytes: 2, bytesTotal: 2, records: 2 });
  });

  it('stop() ends a bar that never finished: no redraw timer is left to keep a failed command alive', () => {
    const out = capturedStream(true);
    const bar = new ProgressBar(SPEC, out.stream);
    const before = timers();
    bar.update({ files: 1, bytes: 1, bytesTotal: 2, records: 1 });
    expect(timers()).toBeGreaterThan(before);
    bar.stop();
    expect(timers()).toBe(before);
    bar.stop();
  });
});
