import cliProgress from 'cli-progress';
import type { BackfillProgress } from './backfill.js';

/**
 * Shows backfill progress: a bar with counts, rate and ETA on a terminal; a plain line every few
 * seconds otherwise (logs, CI).
 */
export class BackfillProgressReporter {
  private readonly started = Date.now();
  private readonly bar: cliProgress.SingleBar | undefined;
  private lastLine = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = 5_000,
  ) {
    if (stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          stream,
          format:
            'backfill [{bar}] {percentage}% | files {files}/{filesTotal} | {records} records ({accepted} ok, {deadLettered} DLQ) | {rate}/s | ETA {eta_formatted}',
          etaBuffer: 50,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  update(progress: BackfillProgress): void {
    const rate = Math.round(progress.records / Math.max(0.001, (Date.now() - this.started) / 1000));
    if (this.bar) {
      const payload = { ...progress, rate };
      if (!this.bar.isActive) this.bar.start(Math.max(1, progress.bytesTotal), progress.bytes, payload);
      this.bar.update(progress.bytes, payload);
      return;
    }
    if (Date.now() - this.lastLine < this.everyMs) return;
    this.lastLine = Date.now();
    const pct = progress.bytesTotal > 0 ? ((100 * progress.bytes) / progress.bytesTotal).toFixed(1) : '100.0';
    this.stream.write(
      `backfill ${pct}% files ${progress.files}/${progress.filesTotal} records ${progress.records} (${progress.accepted} ok, ${progress.deadLettered} DLQ) ${rate}/s\n`,
    );
  }

  /** Stops the bar without completing it (the backfill failed): its redraw timer would keep the process alive. */
  stop(): void {
    if (this.bar?.isActive) this.bar.stop();
  }

  finish(progress: BackfillProgress): void {
    if (this.bar) {
      this.bar.update(progress.bytesTotal, {
        ...progress,
        rate: Math.round(progress.records / Math.max(0.001, (Date.now() - this.started) / 1000)),
      });
      this.bar.stop();
    }
  }
}
