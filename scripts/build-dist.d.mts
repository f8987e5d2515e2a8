// Types of build-dist.mjs (plain JavaScript: it runs before anything is compiled).

/** Empties dist/, compiles with tsc, writes the stamp; returns tsc's exit status. */
export function buildDist(root: string): number;
