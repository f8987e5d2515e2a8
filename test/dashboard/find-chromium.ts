import { existsSync } from 'node:fs';

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH overrides it. Never a downloaded browser. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The flags the browser tests run chromium with. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

/**
 * The chromium binary, or undefined (after a visible warning) when it is not installed. Under `CI=true`
 * a missing browser throws instead: CI must not pass by skipping the browser tests.
 */
export function findChromium(path = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM): string | undefined {
  if (existsSync(path)) return path;
  const message = `chromium not found at ${path}: install it with \`apt-get install chromium\` (or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`${message}. CI=true, so this fails the run.`);
  console.warn(`\n⚠ SKIPPING browser tests: ${message}.\n`);
  return undefined;
}
