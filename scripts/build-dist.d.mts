// Types of build-dist.mjs (plain JavaScript, since bin/shopstream.js needs it before anything is compiled).

/** The stamp's file name inside dist/. */
export const STAMP_FILE: string;
/** The build's inputs (sources without tests, the tsconfig files), relative to `root`, sorted. */
export function buildInputs(root: string): string[];
/** Sizes and mtimes of the build inputs, and (by default) a hash of their contents. */
export function fingerprint(
  root: string,
  options?: { withHash?: boolean },
): { version: number; files: Record<string, [size: number, mtimeMs: number]>; hash?: string };
/** Whether dist/ was compiled from exactly the sources and tsconfig files now in `root`. */
export function distIsCurrent(root: string): boolean;
/** Empties dist/, compiles with tsc, writes the stamp; returns tsc's exit status. */
export function buildDist(root: string): number;
