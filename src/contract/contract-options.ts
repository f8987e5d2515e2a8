/** Options of the event contract's plausibility checks. */
export interface ContractOptions {
  /** Earliest accepted event time. Default 2000-01-01T00:00:00Z. */
  readonly minTimestamp?: string | Date;
  /** How far in the future an event time may be, in ms. Default one day. */
  readonly maxFutureMs?: number;
  /** Largest accepted message, in bytes. Default 1 MiB. */
  readonly maxMessageBytes?: number;
  /** The clock for the future bound; tests pin it. */
  readonly now?: () => number;
}

export interface CompiledContractOptions {
  readonly minTimestampMs: number;
  readonly maxFutureMs: number;
  readonly maxMessageBytes: number;
  readonly now: () => number;
}

export const DEFAULT_MIN_TIMESTAMP = '2000-01-01T00:00:00Z';
export const DEFAULT_MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
// Events are about 400 bytes; the largest valid order (1,000 items) is under 1 MiB. Pub/Sub allows 10 MB.
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export function compileContractOptions(options: ContractOptions = {}): CompiledContractOptions {
  const minTimestampMs = new Date(options.minTimestamp ?? DEFAULT_MIN_TIMESTAMP).getTime();
  if (Number.isNaN(minTimestampMs))
    throw new RangeError(`contract minTimestamp is not a date: ${String(options.minTimestamp)}`);
  const maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  if (!(maxFutureMs >= 0)) throw new RangeError(`contract maxFutureMs must be ≥ 0, got ${maxFutureMs}`);
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!(maxMessageBytes > 0))
    throw new RangeError(`contract maxMessageBytes must be > 0, got ${maxMessageBytes}`);
  return Object.freeze({ minTimestampMs, maxFutureMs, maxMessageBytes, now: options.now ?? Date.now });
}
