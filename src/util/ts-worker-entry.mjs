// The entry of a worker thread whose module is TypeScript (see start-worker.ts): a worker does not
// inherit the main thread's tsx loader, so it registers tsx before importing the module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.tsModule);
