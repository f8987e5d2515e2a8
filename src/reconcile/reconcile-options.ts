import { ShopstreamError } from '../errors/shopstream-error.js';

/** How wide one row of the ledger is. */
export const BUCKET_SIZES = ['minute', 'hour', 'day'] as const;
export type BucketSize = (typeof BUCKET_SIZES)[number];

/** Options of {@link reconcile}. Units are in the names. */
export interface ReconcileOptions {
  /** Only events whose own time is at or after this (default: from the beginning). */
  readonly from?: Date;
  /**
   * Only events whose own time is before this. Default: now minus `settleMs`, so that what the
   * archiver and the pipeline are still writing does not count as a gap.
   */
  readonly to?: Date;
  /** Default 2 minutes: an archive file stays open up to a minute, a pipeline batch a second. */
  readonly settleMs?: number;
  /** The ledger's rows: one per event type and minute, hour or day. Default hour. */
  readonly by?: BucketSize;
  /** How many event ids each kind of gap lists at most. Default 20. */
  readonly limit?: number;
  /**
   * How long before its own time an event may have been archived (a producer whose clock runs
   * ahead): the archive is read from `from` minus this. Default 10 minutes.
   */
  readonly clockSkewMs?: number;
  /** The wall clock, for the default `to`. */
  readonly now?: () => number;
}

/** {@link ReconcileOptions} validated, with defaults, frozen. `fromMs` is -Infinity without a lower bound. */
export interface CompiledReconcileOptions {
  readonly fromMs: number;
  readonly toMs: number;
  readonly by: BucketSize;
  readonly limit: number;
  readonly clockSkewMs: number;
}

export function compileReconcileOptions(options: ReconcileOptions = {}): CompiledReconcileOptions {
  const now = options.now ?? Date.now;
  const settleMs = nonNegative('settle', options.settleMs ?? 120_000);
  const fromMs = options.from === undefined ? Number.NEGATIVE_INFINITY : time('from', options.from);
  const toMs = options.to === undefined ? now() - settleMs : time('to', options.to);
  if (!(fromMs < toMs))
    throw usage(
      `reconcile: --from ${iso(fromMs)} is not before --to ${iso(toMs)}; give a range that holds some time`,
    );
  const by = options.by ?? 'hour';
  if (!BUCKET_SIZES.includes(by)) throw usage(`reconcile: --by ${String(by)} is not minute, hour or day`);
  const limit = options.limit ?? 20;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw usage(`reconcile: --limit ${limit} is not a whole number ≥ 0`);
  return Object.freeze({
    fromMs,
    toMs,
    by,
    limit,
    clockSkewMs: nonNegative('clock skew', options.clockSkewMs ?? 600_000),
  });
}

function time(name: string, value: Date): number {
  const ms = value.getTime();
  if (Number.isNaN(ms))
    throw usage(`reconcile: --${name} is not a date-time; use RFC 3339, e.g. 2026-12-03T10:00:00Z`);
  return ms;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw usage(`reconcile: the ${name} must be a duration ≥ 0`);
  return value;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

function usage(message: string): ShopstreamError {
  return new ShopstreamError('SHOP_E_USAGE', message);
}
