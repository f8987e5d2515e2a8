import type { Config } from '../config/settings.js';
import type { ReconcileReport } from '../reconcile/ledger.js';
import { reconcileFromConfig } from '../reconcile/reconcile-from-config.js';
import type { QueryFunction } from '../reconcile/warehouse-side.js';
import type { Logger } from '../telemetry/logger.js';

/** The last reconcile `up` ran, for the dashboard: when, and what it found (or why it failed). */
export interface ReconcileSummary {
  readonly at: string;
  readonly report?: ReconcileReport;
  readonly error?: string;
}

/** Options of {@link PeriodicReconcile}. */
export interface PeriodicReconcileOptions {
  readonly config: Config;
  /** The running process's own warehouse (it holds the DuckDB file). */
  readonly query: QueryFunction;
  readonly logger: Logger;
  readonly onResult: (summary: ReconcileSummary) => void;
  /** How often. Default 30 s; the first run comes after `firstAfterMs` (default 20 s). */
  readonly intervalMs?: number;
  readonly firstAfterMs?: number;
  /**
   * The trailing range reconciled each time (default 15 minutes), ending `settleMs` ago: by default
   * the archiver's file duration and half a minute, so every event of the range is in a closed file.
   */
  readonly windowMs?: number;
  readonly settleMs?: number;
}

/**
 * `shopstream reconcile` as `up` runs it for the dashboard: every half minute, over the last quarter
 * of an hour that has settled (the archiver closes a file a minute), by minute. One run at a time; a
 * run that fails is reported and the next one tries again.
 */
export class PeriodicReconcile {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private last: ReconcileSummary | undefined;

  constructor(private readonly options: PeriodicReconcileOptions) {}

  start(): void {
    this.schedule(this.options.firstAfterMs ?? 20_000);
  }

  /** The last result, for a page that connects between two runs. */
  latest(): ReconcileSummary | undefined {
    return this.last;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.options.intervalMs ?? 30_000);
      });
    }, ms);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    const { config, query, logger } = this.options;
    const now = Date.now();
    const settleMs = this.options.settleMs ?? config['archive.maxDurationMs'] + 30_000;
    let summary: ReconcileSummary;
    try {
      const report = await reconcileFromConfig(
        config,
        {
          from: new Date(now - settleMs - (this.options.windowMs ?? 15 * 60_000)),
          to: new Date(now - settleMs),
          by: 'minute',
          limit: 5,
          clockSkewMs: 60_000,
        },
        undefined,
        query,
      );
      summary = { at: new Date(now).toISOString(), report };
      if (!report.balanced)
        logger.warn({ totals: report.totals, gaps: report.gaps }, 'reconcile: the ledger does not balance');
    } catch (error) {
      summary = { at: new Date(now).toISOString(), error: (error as Error).message };
      logger.warn({ err: error }, 'reconcile failed; retrying at the next interval');
    }
    this.last = summary;
    if (!this.closed) this.options.onResult(summary);
  }
}
