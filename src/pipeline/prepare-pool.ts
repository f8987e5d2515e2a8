import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { ReceivedMessage } from '../bus/message-bus.js';
import type { ContractOptions } from '../contract/contract-options.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { startWorker } from '../util/start-worker.js';
import { NDJSON_ROWS, type RowEncoding } from '../warehouse/row-encoding.js';
import { packMessages, transferablesOf, type PackedMessages } from './packed-messages.js';
import type { PreparedBatch } from './prepared-batch.js';

/** The contract's options a worker thread can receive (a clock function cannot cross threads). */
export type WorkerContractOptions = Omit<ContractOptions, 'now'>;

/** What a prepare worker starts with. */
export interface PrepareWorkerData {
  readonly contract: WorkerContractOptions;
  readonly rowEncoding: RowEncoding;
}

export interface PrepareRequest {
  readonly id: number;
  readonly packed: PackedMessages;
}
export interface PrepareResponse {
  readonly id: number;
  readonly prepared?: PreparedBatch;
  readonly error?: string;
}

interface PoolWorker {
  worker: Worker;
  readonly pending: Map<
    number,
    { resolve: (prepared: PreparedBatch) => void; reject: (error: Error) => void }
  >;
}

/**
 * A prepare worker's young generation, in MB: V8 sizes it as three semi-spaces, so this holds each
 * at 8 MB. Why a cap: left to itself V8 doubles a worker's semi-spaces from 8 to 16 MB once enough
 * has survived them, which at 5,000 events/s came after 10 minutes: a +16 MB step in RSS long after
 * start-up, and a memory bound should be reached while warming up, not at a time the traffic decides.
 * At 8 MB the worker kept up with its share in the soak's first ten minutes (docs/soak.md).
 */
export const PREPARE_WORKER_YOUNG_GENERATION_MB = 24;

/**
 * One worker per core beyond the main thread's, at least one and at most two: the main thread's own
 * ~5 µs per event caps a pipeline near 200,000 events/s, which two workers (~6 µs per event each)
 * keep up with; more would only cost memory (~40 MB each when run from src/ through tsx).
 */
export function defaultPrepareWorkers(): number {
  return Math.min(2, Math.max(1, availableParallelism() - 1));
}

/**
 * Worker threads that check batches against the contract and lay out their sink writes (see
 * {@link prepareBatch}). Decoding, validating and hashing are most of the pipeline's per-event CPU;
 * here they run beside the main thread, which meanwhile pulls from the bus and writes the sinks.
 * A batch goes to the worker with the fewest pending; a worker that dies fails its pending batches
 * (their messages are retried by the caller) and is replaced. Rows come out as `rowEncoding` says:
 * give it the warehouse's (Warehouse.rowEncoding); the default is NDJSON.
 */
export class PreparePool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    size: number,
    private readonly contract: WorkerContractOptions,
    private readonly rowEncoding: RowEncoding = NDJSON_ROWS,
  ) {
    if (!(size >= 1)) throw new RangeError(`prepare workers must be ≥ 1, got ${size}`);
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** Checks and lays out the messages on a worker thread. */
  prepare(messages: readonly Pick<ReceivedMessage, 'data' | 'publishTime'>[]): Promise<PreparedBatch> {
    if (this.closed) return Promise.reject(new ShopstreamError('SHOP_E_INTERNAL', 'prepare pool is closed'));
    const target = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const packed = packMessages(messages);
    return new Promise((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      // A worker keeps the process alive only while it has work.
      target.worker.ref();
      target.worker.postMessage({ id, packed } satisfies PrepareRequest, transferablesOf(packed));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private spawn(): PoolWorker {
    const entry: PoolWorker = {
      worker: startWorker(
        import.meta.url,
        './prepare-worker',
        { contract: this.contract, rowEncoding: this.rowEncoding } satisfies PrepareWorkerData,
        { maxYoungGenerationSizeMb: PREPARE_WORKER_YOUNG_GENERATION_MB },
      ),
      pending: new Map(),
    };
    const { worker } = entry;
    worker.unref();
    worker.on('message', ({ id, prepared, error }: PrepareResponse) => {
      const job = entry.pending.get(id);
      entry.pending.delete(id);
      if (entry.pending.size === 0) worker.unref();
      if (prepared) job?.resolve(prepared);
      else job?.reject(new ShopstreamError('SHOP_E_INTERNAL', `preparing a batch failed: ${error}`));
    });
    const fail = (reason: string): void => {
      for (const job of entry.pending.values())
        job.reject(new ShopstreamError('SHOP_E_INTERNAL', `prepare worker ${reason}`));
      entry.pending.clear();
      if (!this.closed) {
        const index = this.workers.indexOf(entry);
        if (index >= 0) this.workers[index] = this.spawn();
      }
    };
    worker.on('error', (error) => fail(`failed: ${error.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    return entry;
  }
}
