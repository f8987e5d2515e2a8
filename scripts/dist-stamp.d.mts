// Types of dist-stamp.mjs (plain JavaScript: bin/shopstream.js needs it before anything is compiled).

/** The stamp's file name inside dist/. */
export const STAMP_FILE: string;
/** The folders under src/ and the build's input files (sources without tests, tsconfig files), sorted. */
export function buildInputs(root: string): { dirs: string[]; files: string[] };
/** Folder mtimes, file sizes and mtimes, and a hash of the files' contents. */
export function fingerprint(root: string): {
  version: number;
  dirs: Record<string, number>;
  files: Record<string, [size: number, mtimeMs: number]>;
  hash: string;
};
/** Whether dist/ was compiled from exactly the sources and tsconfig files now in `root`. */
export function distIsCurrent(root: string): boolean;
