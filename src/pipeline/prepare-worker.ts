import { parentPort, workerData } from 'node:worker_threads';
import { MessageChecker } from '../contract/message-checker.js';
import { prepareBatch, transferablesOfPrepared } from './prepared-batch.js';
import type { PrepareRequest, PrepareResponse } from './prepare-pool.js';

// A worker thread of the PreparePool: checks batches against the contract and lays out their sink
// writes, so that this per-event work runs beside the main thread's bus and sink I/O.
const checker = new MessageChecker((workerData as { contract: object }).contract);
const port = parentPort!;

port.on('message', ({ id, packed }: PrepareRequest) => {
  let response: PrepareResponse;
  try {
    response = { id, prepared: prepareBatch(checker, packed) };
  } catch (error) {
    response = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(response, response.prepared ? transferablesOfPrepared(response.prepared) : []);
});
