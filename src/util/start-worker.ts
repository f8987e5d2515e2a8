import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts a worker thread on a module of ours, given by its path relative to `from` without extension
 * (`startWorker(import.meta.url, './prepare-worker', data)`). Run from src/ through tsx (the CLI,
 * tests) the module is TypeScript, and a worker does not inherit the main thread's loader, so it starts
 * from a small JS entry that registers tsx first; the compiled dist/ starts the .js module directly.
 * `resourceLimits` bound the worker's own V8 heap (see PREPARE_WORKER_YOUNG_GENERATION_MB).
 */
export function startWorker(
  from: string,
  modulePath: string,
  workerData: object,
  resourceLimits?: ResourceLimits,
): Worker {
  const extension = extname(fileURLToPath(from));
  const module = new URL(`${modulePath}${extension}`, from);
  if (extension !== '.ts') return new Worker(module, { workerData, resourceLimits });
  return new Worker(new URL('./ts-worker-entry.mjs', import.meta.url), {
    workerData: { ...workerData, tsModule: module.href },
    resourceLimits,
  });
}
