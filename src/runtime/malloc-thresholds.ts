import { loadGlibc } from './glibc.js';

/**
 * The size from which glibc's malloc maps an allocation on its own, and how much free memory the top
 * of a heap may keep (see fixMallocThresholds).
 */
export const MALLOC_THRESHOLD_BYTES = 1024 * 1024;

/** glibc's `mallopt` parameters (malloc.h). */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;

/**
 * Fixes glibc's mmap and trim thresholds at `bytes`, as `MALLOC_MMAP_THRESHOLD_` and
 * `MALLOC_TRIM_THRESHOLD_` would; returns true when it did, or a string saying why it did not
 * (another C library, another system, or the environment chose them).
 *
 * Why: by default glibc raises both thresholds each time it frees a Buffer it had mapped on its own
 * (up to 32 and 64 MB), so after the first large Buffers of a run (the archiver's file, a batch's
 * NDJSON) every Buffer below that size is carved from the heaps, where its memory stays resident once
 * freed, until the periodic `malloc_trim` (native-memory-trim.ts) finds it free, and where one live
 * block keeps the space around it. Fixed at 1 MB, a large Buffer has a mapping of its own, given back
 * the moment it is freed. In 30-minute soaks the RSS slope with fixed thresholds was lower than
 * without (docs/soak.md has the runs).
 */
export async function fixMallocThresholds(bytes = MALLOC_THRESHOLD_BYTES): Promise<true | string> {
  const chosen = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_'].filter((name) => process.env[name]);
  if (chosen.length > 0) return `${chosen.join(' and ')} set in the environment`;
  const libc = await loadGlibc();
  if (typeof libc === 'string') return libc;
  try {
    const mallopt = libc.func('int mallopt(int param, int value)');
    const ok = mallopt(M_MMAP_THRESHOLD, bytes) === 1 && mallopt(M_TRIM_THRESHOLD, bytes) === 1;
    return ok ? true : `mallopt refused a threshold of ${bytes} bytes`;
  } catch (error) {
    return `no mallopt in this C library: ${String(error)}`;
  }
}
