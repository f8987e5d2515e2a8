/**
 * Health of a running pipeline: unhealthy while any sink's last attempt failed, healthy again after
 * it succeeds. `/healthz` answers from it.
 */
export class PipelineHealth {
  private readonly failing = new Map<string, string>();

  markFailed(sink: string, error: Error): void {
    this.failing.set(sink, error.message);
  }

  /** Returns true when the sink had been failing (it just recovered). */
  markOk(sink: string): boolean {
    return this.failing.delete(sink);
  }

  get healthy(): boolean {
    return this.failing.size === 0;
  }

  /** `{ healthy, failing: { sink: message } }`, the body of /healthz. */
  snapshot(): { healthy: boolean; failing: Record<string, string> } {
    return { healthy: this.healthy, failing: Object.fromEntries(this.failing) };
  }
}
