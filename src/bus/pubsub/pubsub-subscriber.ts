import {
  Duration,
  SubscriptionCloseBehaviors,
  type DebugMessage,
  type Message,
  type PubSub,
  type Subscription,
} from '@google-cloud/pubsub';
import type { FlowControl, MessageHandler, Subscriber } from '../message-bus.js';
import { PubSubReceivedMessage } from './pubsub-received-message.js';
import { DEFAULT_ACK_DEADLINE_SECONDS } from './subscription-metadata.js';
import { GRPC_STATUS } from '../../util/grpc-status.js';
import { grpcCodeOf, toBusError } from './to-bus-error.js';

/** Settings of one {@link PubSubSubscriber}. */
export interface PubSubSubscriberSettings {
  readonly flowControl: FlowControl;
  readonly onError: ((error: Error) => void) | undefined;
  readonly closeTimeoutMs: number;
  readonly streams: number;
  /** Time limit of reading the subscription's settings at start, retries included. */
  readonly requestTimeoutMs: number;
  /** Server-side lease of a streamed delivery, kept extended by the library while the message is held. */
  readonly streamAckDeadlineSeconds: number;
  /** Longest wait before a dropped stream is reopened. */
  readonly reconnectMaxBackoffMs: number;
}

/** Margin on top of a lease and a reconnect, for clocks and a flush of the library's queues. */
const DRAIN_SLACK_MS = 1_000;

/** Streams end with these in normal operation (the server rotates them; close() cancels them). */
const ROUTINE_STREAM_ENDS: ReadonlySet<number> = new Set([
  0, // OK
  GRPC_STATUS.CANCELLED,
  GRPC_STATUS.DEADLINE_EXCEEDED,
]);

/** Backoff between attempts to (re)open a subscription that failed for good (deleted, not created yet). */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * One streaming pull of a subscription, delivering to a handler, on top of the client library's
 * subscriber (which does the streams, acks in batches, keeps server leases and retries transient
 * failures).
 *
 * What it adds for the port:
 * - the lease of each delivered message ends at the subscription's ack deadline (see
 *   {@link PubSubReceivedMessage});
 * - flow control that never exceeds `maxBytes`: the library hands out one more message once under
 *   the limit however large it is, so messages it releases beyond the bound wait here (at most a
 *   message or two: the library's own limits are the same, so it stops pulling first);
 * - close() that lets delivered messages be acked until they are all settled or the close timeout
 *   passes, and gives back the rest;
 * - reopening after an error the library gives up on (NOT_FOUND while setup has not run yet, a
 *   deleted subscription), reported through `onError`;
 * - {@link drainableAt}: after a stream dropped, or an ack or lease extension failed, messages may
 *   still come back until their server-side lease runs out; a drain must not end before that.
 */
export class PubSubSubscriber implements Subscriber {
  private subscription: Subscription | undefined;
  private ackDeadlineSeconds = DEFAULT_ACK_DEADLINE_SECONDS;
  /** Handed to the handler, not settled yet. */
  private readonly outstanding = new Set<PubSubReceivedMessage>();
  private outstandingBytes = 0;
  /** Released by the library, waiting for room under our flow control. */
  private waiting: PubSubReceivedMessage[] = [];
  private pumping = false;
  private closing = false;
  private closed: Promise<void> | undefined;
  private readonly started: Promise<void>;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private drained: (() => void) | undefined;
  /** When a stream last ended or an ack/lease request failed (ms since epoch); 0 when never. */
  private lastDisruptionAt = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly pubsub: PubSub,
    private readonly name: string,
    private readonly handler: MessageHandler,
    private readonly settings: PubSubSubscriberSettings,
  ) {
    this.started = this.start();
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  /**
   * When a quiet subscription may first count as drained. A stream that dropped took with it what the
   * server had sent and we had not read: the server holds those messages leased for up to
   * `streamAckDeadlineSeconds`, then redelivers them to a stream that is open, which the library
   * reopens within `reconnectMaxBackoffMs`. A failed ack or lease extension likewise lets its
   * messages come back within one lease, and so do the messages of a worker that crashed just before
   * this one started. While no stream is open at all, the subscription cannot be drained.
   */
  drainableAt(): number {
    if (!this.subscription && !this.closing) return Number.POSITIVE_INFINITY;
    const leaseMs = this.settings.streamAckDeadlineSeconds * 1000;
    const afterStart = this.startedAt + leaseMs + DRAIN_SLACK_MS;
    if (this.lastDisruptionAt === 0) return afterStart;
    const afterDisruption =
      this.lastDisruptionAt + leaseMs + this.settings.reconnectMaxBackoffMs + DRAIN_SLACK_MS;
    return Math.max(afterStart, afterDisruption);
  }

  private async start(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      try {
        this.ackDeadlineSeconds = await this.readAckDeadline();
        this.open();
        return;
      } catch (error) {
        this.report(
          toBusError(error, `subscribe to subscription "${this.name}"`, { subscription: this.name }),
        );
        await this.backoff(attempt);
      }
    }
  }

  /** The lease of a delivery is the subscription's ack deadline, so read it once at start. */
  private async readAckDeadline(): Promise<number> {
    try {
      const [metadata] = await this.pubsub
        .subscription(this.name)
        .getMetadata({ timeout: this.settings.requestTimeoutMs });
      return metadata.ackDeadlineSeconds || DEFAULT_ACK_DEADLINE_SECONDS;
    } catch (error) {
      // The subscriber role (pubsub.subscriptions.consume) may not read settings: assume the
      // default deadline rather than refuse to consume.
      if (grpcCodeOf(error) === GRPC_STATUS.PERMISSION_DENIED) return DEFAULT_ACK_DEADLINE_SECONDS;
      throw error;
    }
  }

  private open(): void {
    const { flowControl, streams, streamAckDeadlineSeconds, reconnectMaxBackoffMs } = this.settings;
    const lease = Duration.from({ seconds: streamAckDeadlineSeconds });
    const subscription = this.pubsub.subscription(this.name, {
      flowControl: {
        maxMessages: flowControl.maxMessages,
        maxBytes: flowControl.maxBytes,
        allowExcessMessages: false,
      },
      // The stream's ack deadline, and what the library extends held messages by: short, so that
      // what a dropped connection or a crashed worker held comes back soon (see drainableAt). How
      // long a handler may hold a message is the subscription's deadline, kept by our own lease.
      minAckDeadline: lease,
      maxAckDeadline: lease,
      streamingOptions: {
        maxStreams: streams,
        retryMaxBackoff: Duration.from({ milliseconds: reconnectMaxBackoffMs }),
      },
      // Our close() waits for delivered messages itself; what the library still holds then was
      // never handed out, so it is given back at once. The timeout bounds sending the last acks
      // and nacks (to a server that may be gone).
      closeOptions: {
        behavior: SubscriptionCloseBehaviors.NackImmediately,
        timeout: Duration.from({ milliseconds: Math.min(10_000, this.settings.closeTimeoutMs) }),
      },
    });
    this.subscription = subscription;
    subscription.on('message', (message: Message) => this.receive(message));
    subscription.on('error', (error: Error) => {
      this.lastDisruptionAt = Date.now();
      this.report(toBusError(error, `pull from subscription "${this.name}"`, { subscription: this.name }));
    });
    subscription.on('close', () => void this.reopenAfterFailure(subscription));
    // The library retries a dropped stream and failed acks by itself, and only tells its debug
    // channel. The port wants to hear about a dropped connection, so those errors are passed on.
    subscription.on('debug', (debug: DebugMessage) => {
      // Any stream end, even a routine one, may leave messages in flight; a failed ack or lease
      // extension leaves its messages to come back. Both keep a drain going (drainableAt).
      if (debug.error !== undefined) this.lastDisruptionAt = Date.now();
      const code = grpcCodeOf(debug.error);
      if (debug.error === undefined || code === undefined || ROUTINE_STREAM_ENDS.has(code)) return;
      this.report(
        toBusError(debug.error, `pull from subscription "${this.name}" (${debug.message})`, {
          subscription: this.name,
        }),
      );
    });
  }

  /** The library closes its subscriber after an error it does not retry; try again until closed. */
  private async reopenAfterFailure(subscription: Subscription): Promise<void> {
    if (this.closing || subscription !== this.subscription) return;
    this.lastDisruptionAt = Date.now();
    subscription.removeAllListeners();
    // The library gave back every message it held; deliveries of them are void.
    for (const message of [...this.outstanding, ...this.waiting]) message.abandon();
    this.subscription = undefined;
    for (let attempt = 0; !this.closing; attempt++) {
      await this.backoff(attempt);
      if (this.closing) return;
      try {
        this.ackDeadlineSeconds = await this.readAckDeadline();
        // close() may have come while reading: it found no stream to close, so open none.
        if (!this.closing) this.open();
        // What the library nacked on its way out may only come back when its lease ends.
        this.lastDisruptionAt = Date.now();
        return;
      } catch (error) {
        this.report(toBusError(error, `reopen subscription "${this.name}"`, { subscription: this.name }));
      }
    }
  }

  private receive(message: Message): void {
    const received = new PubSubReceivedMessage(message, (settled) => this.release(settled));
    // Closing: never handed out; the library nacks it when it closes.
    if (this.closing) return;
    this.waiting.push(received);
    this.pump();
  }

  /** Hands waiting messages to the handler while flow control has room. */
  private pump(): void {
    if (this.pumping) return; // a handler acked synchronously; the running loop continues
    this.pumping = true;
    try {
      const { maxMessages, maxBytes } = this.settings.flowControl;
      while (this.waiting.length > 0 && !this.closing) {
        const next = this.waiting[0]!;
        if (this.outstanding.size >= maxMessages) break;
        // A message larger than maxBytes alone still flows, or it could never be delivered.
        if (this.outstanding.size > 0 && this.outstandingBytes + next.size > maxBytes) break;
        this.waiting.shift();
        this.outstanding.add(next);
        this.outstandingBytes += next.size;
        next.lease(this.ackDeadlineSeconds);
        try {
          this.handler(next);
        } catch (error) {
          this.report(error instanceof Error ? error : new Error(String(error)));
          next.nack();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private release(message: PubSubReceivedMessage): void {
    if (this.outstanding.delete(message)) {
      this.outstandingBytes -= message.size;
      if (this.outstanding.size === 0) this.drained?.();
      this.pump();
    } else {
      this.waiting = this.waiting.filter((m) => m !== message);
    }
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    await this.started;
    for (const message of this.waiting) message.abandon();
    if (this.outstanding.size > 0) {
      // Delivered messages may still be acked (the pipeline flushes, then acks) until they are all
      // settled; the rest go back when the timeout passes, or sooner as their leases expire.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = setTimeout(resolve, this.settings.closeTimeoutMs);
      });
      clearTimeout(timer);
    }
    for (const message of [...this.outstanding]) message.abandon();
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) {
      // Nacks what the library still holds and flushes the acks and nacks queued so far.
      await subscription.close();
      subscription.removeAllListeners();
    }
  }

  private backoff(attempt: number): Promise<void> {
    const ms = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, ms);
    });
  }

  private report(error: Error): void {
    this.settings.onError?.(error);
  }
}
