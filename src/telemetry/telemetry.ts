import { EventEmitter } from 'node:events';
import type { ErrorCode } from '../errors/error-codes.js';
import type { EventType } from '../contract/event-types.js';

/**
 * Everything components report, as one typed event map. Logs, Prometheus metrics and the dashboard
 * subscribe to it; components never call them directly.
 */
export interface TelemetryEvents {
  /** The generator published events. */
  'generator:published': {
    readonly byType: Readonly<Partial<Record<EventType, number>>>;
    readonly invalid: number;
  };
  /** Events became durable in the lake and warehouse and were acked. */
  'events:durable': {
    readonly eventType: EventType;
    readonly count: number;
    /** publish → durable, in ms, one per event. */
    readonly latenciesMs: readonly number[];
    /** Fields the contract does not know, summed over these events (accepted, kept in the lake). */
    readonly unknownFields: number;
  };
  /** Messages broke the contract and are durable in the DLQ. */
  'messages:dead-lettered': { readonly code: ErrorCode; readonly count: number };
  /** A sink wrote a batch. */
  'sink:flushed': {
    readonly sink: 'lake' | 'warehouse' | 'dlq' | 'archive';
    readonly records: number;
    readonly bytes: number;
    readonly ms: number;
  };
  /** A sink failed; the batch is kept and retried. */
  'sink:failed': { readonly sink: string; readonly error: Error };
  /**
   * A sink fails for a reason no retry can fix (a missing table, a permission): its messages are held
   * until someone fixes it. Emitted when that starts, or when the reason (`code`) changes.
   */
  'sink:blocked': {
    readonly sink: string;
    readonly code: ErrorCode;
    /** What to do, in words. */
    readonly fix: string;
    readonly error: Error;
  };
  /** A blocked sink no longer fails for `code` (it works again, or fails for another reason). */
  'sink:unblocked': { readonly sink: string; readonly code: ErrorCode };
  /** A sink that had failed works again. */
  'sink:recovered': { readonly sink: string };
  /** Messages were nacked for redelivery. */
  'messages:nacked': { readonly count: number; readonly reason: string };
  /** Unacked messages on a subscription, sampled. */
  'backlog:sampled': { readonly subscription: string; readonly backlog: number };
}

export type TelemetryEventName = keyof TelemetryEvents;

/** A typed event emitter over {@link TelemetryEvents}. */
export class Telemetry {
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  emit<K extends TelemetryEventName>(name: K, payload: TelemetryEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends TelemetryEventName>(name: K, listener: (payload: TelemetryEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
