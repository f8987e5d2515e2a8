import { parentPort, workerData } from 'node:worker_threads';
import { MessageChecker } from '../contract/message-checker.js';
import { loadRowEncoder } from '../warehouse/row-encoding.js';
import { prepareBatch, transferablesOfPrepared } from './prepared-batch.js';
import type { PrepareRequest, PrepareResponse, PrepareWorkerData } from './prepare-pool.js';

// A worker thread of the PreparePool: checks batches against the contract and lays out their sink
// writes, so that this per-event work runs beside the main thread's bus and sink I/O.
const { contract, rowEncoding } = workerData as PrepareWorkerData;
const checker = new MessageChecker(contract);
// The warehouse's row encoder, if it has one; batches wait for it (in order) while it loads.
const rowEncoder = loadRowEncoder(rowEncoding);
rowEncoder.catch(() => undefined); // reported with each batch
const port = parentPort!;

port.on('message', async ({ id, packed }: PrepareRequest) => {
  let response: PrepareResponse;
  try {
    response = { id, prepared: prepareBatch(checker, packed, await rowEncoder) };
  } catch (error) {
    response = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(response, response.prepared ? transferablesOfPrepared(response.prepared) : []);
});
