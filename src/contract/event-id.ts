import { hash } from 'node:crypto';

/**
 * The identity of an event: the first 128 bits of SHA-256 over the message bytes, as 32 hex digits.
 *
 * It depends on the bytes alone, never on attributes or message ids, so a live delivery, a
 * redelivery, and a replay of the same payload from the archive (which keeps payloads only) share it.
 * Views deduplicate on it. 128 bits make an accidental collision negligible (about 1 in 10^20 at a
 * trillion events).
 */
export function eventIdOf(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex').slice(0, 32);
}
