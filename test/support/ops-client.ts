import type { PipelineStats } from '../../src/pipeline/streaming-pipeline.js';

/** One answer of `/healthz`: its HTTP status and body. */
export interface HealthAnswer {
  readonly status: number;
  readonly healthy: boolean;
  /** Failing sinks and their last error message. */
  readonly failing: Readonly<Record<string, string>>;
  /** The failing sinks no retry can fix, with the code and the fix. */
  readonly blocked: Readonly<Record<string, { code: string; message: string; fix: string; since: string }>>;
  readonly stats: PipelineStats;
}

/**
 * Reads a running pipeline's ops server (`/healthz`, `/metrics`) over HTTP, as a load balancer or
 * Prometheus would, for tests that watch the pipeline fail and recover.
 */
export class OpsClient {
  constructor(readonly baseUrl: string) {}

  /** `/healthz`, or undefined while nothing answers (the process is still starting). */
  async health(): Promise<HealthAnswer | undefined> {
    try {
      const response = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as Omit<HealthAnswer, 'status'>;
      return { status: response.status, ...body };
    } catch {
      return undefined;
    }
  }

  /**
   * Polls `/healthz` until it answers with HTTP `status` (and, when given, names `failing` among
   * its failing sinks), and resolves with that answer.
   */
  healthWith(status: number, options: { failing?: string; timeoutMs?: number } = {}): Promise<HealthAnswer> {
    const { failing, timeoutMs = 30_000 } = options;
    return waitFor(
      `/healthz to answer ${status}${failing ? ` naming ${failing}` : ''}`,
      async () => {
        const health = await this.health();
        return health?.status === status && (failing === undefined || failing in health.failing)
          ? health
          : undefined;
      },
      timeoutMs,
    );
  }

  /** The sum of a Prometheus metric's samples whose labels include `labels` (0 when absent). */
  async metric(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const response = await fetch(`${this.baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return sumOfSamples(await response.text(), name, labels);
  }
}

/** Sums the samples of `name` in Prometheus text format whose label set includes `labels`. */
export function sumOfSamples(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) sum += Number(match[3]);
  }
  return sum;
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined or false, and
 * resolves with it; throws naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
