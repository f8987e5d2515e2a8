import type { ErrorCode } from '../errors/error-codes.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { fixOf } from './sink-fix.js';

/** A sink that fails for a reason no retry can fix: someone must act (see {@link fixOf}). */
export interface SinkBlockage {
  readonly code: ErrorCode;
  /** The error's message: what is wrong, in the sink's words. */
  readonly message: string;
  /** What to do about it, in words. */
  readonly fix: string;
  /** When it started failing this way (ISO time). */
  readonly since: string;
}

/** What {@link PipelineHealth.markFailed} made of one failed attempt. */
export interface FailureVerdict {
  readonly code: ErrorCode;
  /** Set when no retry can fix it. */
  readonly blocked: SinkBlockage | undefined;
  /** The sink was not blocked, or blocked for another code, before this attempt. */
  readonly newlyBlocked: boolean;
  /** The code it was blocked for until this attempt, when that is no longer the reason. */
  readonly unblocked: ErrorCode | undefined;
  /** Log this one: the first failure of the sink with this code, then at most once per `logEveryMs`. */
  readonly log: boolean;
  /** Failed attempts since the last one logged, this one included. */
  readonly attempts: number;
}

interface Failing {
  readonly message: string;
  readonly code: ErrorCode;
  readonly blocked: SinkBlockage | undefined;
  readonly since: number;
  lastLoggedAt: number;
  attemptsSinceLog: number;
}

/**
 * Health of a running pipeline: unhealthy while any sink's last attempt failed, healthy again after
 * it succeeds. `/healthz` answers from it. Failures come in two classes, by the error's `retryable`:
 * transient (the network, a lock, a full disk: the same write may succeed later by itself) and
 * blocked (a missing table, a permission, a schema that differs: someone must fix it first). Either
 * way the messages are held and retried; a blocked sink is named with its code and the fix.
 */
export class PipelineHealth {
  private readonly failing = new Map<string, Failing>();

  constructor(
    private readonly logEveryMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  markFailed(sink: string, error: Error): FailureVerdict {
    const cause = error.cause ?? error;
    const known = cause instanceof ShopstreamError ? cause : undefined;
    const code: ErrorCode = known?.code ?? 'SHOP_E_INTERNAL';
    const now = this.now();
    const previous = this.failing.get(sink);
    const same = previous?.code === code;
    const blocked: SinkBlockage | undefined =
      known && !known.retryable
        ? {
            code,
            message: error.message,
            fix: fixOf(code, sink),
            since: new Date(same && previous.blocked ? previous.since : now).toISOString(),
          }
        : undefined;
    const log = !same || now - previous.lastLoggedAt >= this.logEveryMs;
    const attempts = (same ? previous.attemptsSinceLog : 0) + 1;
    this.failing.set(sink, {
      message: error.message,
      code,
      blocked,
      since: same ? previous.since : now,
      lastLoggedAt: log ? now : previous!.lastLoggedAt,
      attemptsSinceLog: log ? 0 : attempts,
    });
    return {
      code,
      blocked,
      newlyBlocked: blocked !== undefined && !(same && previous.blocked),
      unblocked: previous?.blocked && !(same && blocked) ? previous.code : undefined,
      log,
      attempts,
    };
  }

  /**
   * Marks the sink working. Returns undefined when it was not failing, else whether it had been
   * blocked and for which code (it just recovered).
   */
  markOk(sink: string): { readonly blockedCode: ErrorCode | undefined } | undefined {
    const failing = this.failing.get(sink);
    if (!failing) return undefined;
    this.failing.delete(sink);
    return { blockedCode: failing.blocked?.code };
  }

  get healthy(): boolean {
    return this.failing.size === 0;
  }

  /**
   * The body of /healthz: `{ healthy, failing: { sink: message }, blocked: { sink: { code, message,
   * fix, since } } }`; `blocked` names only the sinks that wait for someone to fix them.
   */
  snapshot(): {
    healthy: boolean;
    failing: Record<string, string>;
    blocked: Record<string, SinkBlockage>;
  } {
    const failing: Record<string, string> = {};
    const blocked: Record<string, SinkBlockage> = {};
    for (const [sink, state] of this.failing) {
      failing[sink] = state.message;
      if (state.blocked) blocked[sink] = state.blocked;
    }
    return { healthy: this.healthy, failing, blocked };
  }
}
