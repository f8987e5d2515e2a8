import type { Telemetry } from '../telemetry/telemetry.js';
import { GeneratedTally, type GeneratedCounts, type GeneratedMessage } from './generated-message.js';

/** How much to generate: a fixed number of messages, or a rate for a while (live traffic). */
export type GenerationPlan =
  | { readonly count: number; readonly signal?: AbortSignal }
  | { readonly rate: number; readonly durationMs: number; readonly signal?: AbortSignal };

/** Where generated messages go, a batch at a time, in order of the calls. */
export type GeneratedSink = (batch: readonly GeneratedMessage[]) => Promise<unknown>;

/** Anything that makes messages one at a time (a TrafficGenerator). */
export interface MessageSource {
  next(): GeneratedMessage;
}

/** How {@link runGeneration} batches, paces and reports. */
export interface GenerationRunOptions {
  /** Largest batch handed to the sink. Default 1,000. */
  readonly batchSize?: number;
  /** Batches handed to the sink and not yet finished. Default 4; use 1 for a sink that must stay in order. */
  readonly maxInFlight?: number;
  /**
   * In rate mode, a batch waits until this many messages are due, but never longer than
   * `maxBatchWaitMs`: big batches are cheap to publish, but live traffic must not lag. Default 500.
   */
  readonly minBatch?: number;
  /** Default 200 ms. */
  readonly maxBatchWaitMs?: number;
  /** Receives `generator:published` after each batch the sink accepted. */
  readonly telemetry?: Telemetry;
  /** Counts what the sink accepted; pass one to read partial counts when the run fails. */
  readonly tally?: GeneratedTally;
}

/** What a run produced (only messages the sink accepted are counted), and how long it took. */
export interface GenerationResult extends GeneratedCounts {
  readonly durationMs: number;
}

/**
 * Drives a message source into a sink according to a plan: as fast as the sink takes batches
 * (`count`), or paced to `rate` messages per second for `durationMs`, catching up in full batches
 * when behind. Stops early, cleanly, when the plan's signal aborts. Rejects with the sink's first
 * error once the batches in flight have settled.
 */
export async function runGeneration(
  source: MessageSource,
  sink: GeneratedSink,
  plan: GenerationPlan,
  options: GenerationRunOptions = {},
): Promise<GenerationResult> {
  const batchSize = options.batchSize ?? 1000;
  const maxInFlight = options.maxInFlight ?? 4;
  const minBatch = Math.min(options.minBatch ?? 500, batchSize);
  const maxWaitMs = options.maxBatchWaitMs ?? 200;
  const tally = options.tally ?? new GeneratedTally();
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  const submit = async (count: number): Promise<void> => {
    const batch = new Array<GeneratedMessage>(count);
    for (let i = 0; i < count; i++) batch[i] = source.next();
    const done = sink(batch).then(
      () => {
        tally.addAll(batch);
        if (options.telemetry) {
          const one = new GeneratedTally();
          one.addAll(batch);
          options.telemetry.emit('generator:published', { byType: one.byType, invalid: one.invalid });
        }
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    const tracked = done.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  };

  let generated = 0;
  if ('count' in plan) {
    checkPositive('count', plan.count);
    while (generated < plan.count && !plan.signal?.aborted && !failure) {
      const n = Math.min(batchSize, plan.count - generated);
      await submit(n);
      generated += n;
    }
  } else {
    checkPositive('rate', plan.rate);
    checkPositive('durationMs', plan.durationMs);
    const total = Math.floor((plan.rate * plan.durationMs) / 1000);
    let lastSubmit = started;
    while (generated < total && !plan.signal?.aborted && !failure) {
      const elapsed = performance.now() - started;
      const due = (elapsed >= plan.durationMs ? total : Math.floor((plan.rate * elapsed) / 1000)) - generated;
      if (
        due >= minBatch ||
        (due > 0 && (performance.now() - lastSubmit >= maxWaitMs || elapsed >= plan.durationMs))
      ) {
        const n = Math.min(batchSize, due);
        await submit(n);
        generated += n;
        lastSubmit = performance.now();
        continue;
      }
      // Sleep until a full batch is due, but not past the wait bound or the end of the run.
      const untilBatch = ((generated + minBatch) / plan.rate) * 1000 - elapsed;
      const wait = Math.max(1, Math.min(untilBatch, maxWaitMs, plan.durationMs - elapsed));
      await sleep(wait, plan.signal);
    }
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  return { ...tally.snapshot(), durationMs: performance.now() - started };
}

function checkPositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`generation plan: ${name} must be > 0, got ${value}`);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
