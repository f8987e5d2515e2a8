import type { LibraryHandle } from 'koffi';

/** glibc (libc.so.6) loaded through koffi, or why it cannot be here. */
let glibc: Promise<LibraryHandle | string> | undefined;

/**
 * The process's glibc, to call what Node.js does not expose (malloc_trim, mallopt), or a string
 * saying why there is none: another system, or another C library (musl has no libc.so.6, and
 * neither its trim nor its thresholds). Loaded once, on first use.
 */
export function loadGlibc(): Promise<LibraryHandle | string> {
  glibc ??= (async () => {
    if (process.platform !== 'linux') return `not on Linux (${process.platform})`;
    try {
      const { default: koffi } = await import('koffi');
      return koffi.load('libc.so.6');
    } catch (error) {
      return `no glibc to load: ${String(error)}`;
    }
  })();
  return glibc;
}
