import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The URL of a module of ours, given by its path relative to `from` without extension
 * (`siblingModule(import.meta.url, './prepare-worker')`): the `.ts` file when `from` runs from src/
 * through tsx, the `.js` file in the compiled dist/.
 */
export function siblingModule(from: string, modulePath: string): URL {
  return new URL(`${modulePath}${extname(fileURLToPath(from))}`, from);
}
