import type { Logger } from '../telemetry/logger.js';
import { loadGlibc } from './glibc.js';
import { fixMallocThresholds } from './malloc-thresholds.js';

/** How often a long-running process hands freed native memory back (see startNativeMemoryTrim). */
export const NATIVE_MEMORY_TRIM_EVERY_MS = 10_000;

type MallocTrim = (pad: number, done: (error: unknown, released: number) => void) => void;

/** glibc's malloc_trim, called on a thread of libuv's pool, or why there is none here. */
let mallocTrim: Promise<MallocTrim | string> | undefined;

function loadMallocTrim(): Promise<MallocTrim | string> {
  mallocTrim ??= loadGlibc().then((libc) => {
    if (typeof libc === 'string') return libc;
    try {
      const trim = libc.func('int malloc_trim(size_t pad)');
      return (pad, done) => trim.async(pad, done);
    } catch (error) {
      return `no malloc_trim in this C library: ${String(error)}`;
    }
  });
  return mallocTrim;
}

/**
 * Asks glibc to give every free page of its heaps back to the system (`malloc_trim(0)`), off the
 * event loop. Resolves true when it released memory, false when it had none to release, and a
 * string saying why where it cannot (another C library, another system).
 */
export async function trimNativeMemory(): Promise<boolean | string> {
  const trim = await loadMallocTrim();
  if (typeof trim === 'string') return trim;
  return new Promise((resolve, reject) =>
    trim(0, (error, released) => (error ? reject(error) : resolve(released === 1))),
  );
}

/**
 * Hands memory that glibc's malloc keeps after it was freed back to the system, every `everyMs`;
 * returns a stop function. Where the C library is not glibc (macOS, Alpine's musl) it logs why at
 * debug level and stops.
 *
 * Why: a pipeline frees almost everything it allocates within a second (pull payloads, NDJSON for
 * the lake and the warehouse, the prepare workers' results), from several threads and in no order.
 * glibc keeps freed chunks in its heaps for reuse and gives back only what is free at a heap's top,
 * so its heaps grow to the highest use seen and stay there: in a 15-minute soak at 5,000 events/s
 * the main heap rose 29 → 118 MB in steps, 103 MB of it free, and RSS with it (docs/soak.md).
 * `malloc_trim(0)` returns the free pages inside the heaps too (they stay mapped and are faulted in
 * again when reused), so RSS follows what is in use. Node.js cannot call it itself, hence koffi.
 * It first fixes glibc's mmap threshold, so large Buffers never enter the heaps (see
 * fixMallocThresholds).
 */
export function startNativeMemoryTrim(options: { everyMs?: number; logger?: Logger } = {}): () => void {
  const everyMs = options.everyMs ?? NATIVE_MEMORY_TRIM_EVERY_MS;
  void fixMallocThresholds().then((fixed) => {
    if (fixed !== true) options.logger?.debug({ reason: fixed }, 'malloc thresholds are left as they are');
  });
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const before = process.memoryUsage.rss();
    trimNativeMemory()
      .then((released) => {
        if (typeof released === 'string') {
          clearInterval(timer);
          options.logger?.debug({ reason: released }, 'native memory is not trimmed');
        } else {
          options.logger?.debug(
            { released, rssMb: mb(before), afterMb: mb(process.memoryUsage.rss()) },
            'malloc_trim',
          );
        }
      })
      .catch((error: unknown) => {
        clearInterval(timer);
        options.logger?.warn({ error: String(error) }, 'malloc_trim failed; not trying again');
      })
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
