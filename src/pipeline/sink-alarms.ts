import type { Logger } from '../telemetry/logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { SinkError } from './batch-writer.js';
import type { PipelineHealth } from './pipeline-health.js';

/** The retry an attempt's failure leads to, for the log line. */
export interface RetryPlan {
  readonly attempt: number;
  readonly backoffMs: number;
  readonly messages: number;
}

/**
 * Reports sink failures and recoveries: health (`/healthz`), telemetry (`sink:failed`,
 * `sink:blocked`, `sink:unblocked`, `sink:recovered`, which drive `shopstream_sink_failures_total`
 * and `shopstream_sink_blocked`) and logs. A sink that keeps failing the same way is logged once, then
 * once a minute with the number of failed attempts since, rather than on every retry of every batch
 * held; a blocked one is logged as an error with its code and the fix.
 */
export class SinkAlarms {
  constructor(
    private readonly health: PipelineHealth,
    private readonly telemetry: Telemetry,
    private readonly logger: Logger,
  ) {}

  failed(failure: SinkError, retry: RetryPlan): void {
    const { sink } = failure;
    const verdict = this.health.markFailed(sink, failure);
    this.telemetry.emit('sink:failed', { sink, error: failure });
    if (verdict.unblocked) this.telemetry.emit('sink:unblocked', { sink, code: verdict.unblocked });
    const { blocked } = verdict;
    if (blocked && verdict.newlyBlocked)
      this.telemetry.emit('sink:blocked', { sink, code: blocked.code, fix: blocked.fix, error: failure });
    if (!verdict.log) return;
    const details = { err: failure, sink, code: verdict.code, failedAttempts: verdict.attempts, ...retry };
    if (blocked)
      this.logger.error(
        { ...details, fix: blocked.fix, blockedSince: blocked.since },
        `${sink} blocked (${blocked.code}): retrying cannot fix this; its messages are held, not acked and not dead-lettered, and the pipeline keeps retrying. ${blocked.fix}`,
      );
    else this.logger.warn(details, 'sink failed; retrying the batch');
  }

  /** Every sink of a batch just written works: those that were failing have recovered. */
  succeeded(sinks: readonly string[]): void {
    for (const sink of sinks) {
      const was = this.health.markOk(sink);
      if (!was) continue;
      if (was.blockedCode) this.telemetry.emit('sink:unblocked', { sink, code: was.blockedCode });
      this.telemetry.emit('sink:recovered', { sink });
      this.logger.info({ sink }, `${sink} works again`);
    }
  }
}
