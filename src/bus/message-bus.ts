/**
 * The message bus port: Pub/Sub semantics that both adapters honour.
 *
 * - `embedded:./data/bus` → bus/embedded/embedded-bus.ts (durable on local disk, zero set-up)
 * - `pubsub:<project>`    → bus/pubsub/pubsub-bus.ts (Google Pub/Sub or its official emulator)
 *
 * Delivery is at-least-once. A message is redelivered when it is nacked or its ack deadline passes;
 * after `maxDeliveryAttempts` deliveries it moves to the subscription's dead-letter topic.
 *
 * @example
 * const bus = await openBus('embedded:./data/bus');
 * await bus.ensureTopic('t');
 * await bus.ensureSubscription({ name: 's', topic: 't', ackDeadlineSeconds: 60 });
 * await bus.publish('t', [{ data: Buffer.from('{"a":1}'), attributes: { source: 'demo' } }]);
 * const sub = bus.subscribe('s', (m) => { console.log(m.data.toString()); m.ack(); });
 * await sub.close();
 */
export interface MessageBus {
  /** Connects, and checks the bus answers (the health check). */
  start(): Promise<void>;
  /** Publishes a batch; resolves with one message id per message, in order, once durable. */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<string[]>;
  /** Starts streaming deliveries of a subscription to `handler` until the subscriber is closed. */
  subscribe(subscription: string, handler: MessageHandler, options?: SubscribeOptions): Subscriber;

  /** Creates the topic when it does not exist. */
  ensureTopic(name: string): Promise<void>;
  /** Creates the subscription when it does not exist, else updates its settings to match. */
  ensureSubscription(config: SubscriptionConfig): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  deleteSubscription(name: string): Promise<void>;
  /** The subscription's settings and backlog. Throws SHOP_E_BUS_NOT_FOUND when it does not exist. */
  describeSubscription(name: string): Promise<SubscriptionInfo>;
  /**
   * Replays: every message published at or after `time` (and still retained) becomes undelivered
   * again; messages before it count as acked.
   */
  seek(subscription: string, time: Date): Promise<void>;

  /** Stops every subscriber (letting in-flight acks land) and releases the connection. */
  close(): Promise<void>;
}

/** A message to publish: bytes and string attributes. */
export interface OutgoingMessage {
  readonly data: Uint8Array;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A delivered message. Exactly one of ack() or nack() should be called; later calls are ignored. */
export interface ReceivedMessage {
  readonly id: string;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly publishTime: Date;
  /** 1 on first delivery, 2 on the first redelivery, … */
  readonly deliveryAttempt: number;
  /** Done with it: it will not be delivered again on this subscription. */
  ack(): void;
  /** Give it back for redelivery (after the subscription's retry backoff). */
  nack(): void;
  /** Extends (or shortens) the lease: the message is redelivered if not acked within `seconds`. */
  modifyAckDeadline(seconds: number): void;
}

export type MessageHandler = (message: ReceivedMessage) => void;

/** Flow control: the subscriber holds at most this many unacked messages and bytes. */
export interface FlowControl {
  readonly maxMessages: number;
  readonly maxBytes: number;
}

export interface SubscribeOptions {
  readonly flowControl?: FlowControl;
  /** Called when pulling fails (connection dropped); the subscriber keeps retrying by itself. */
  readonly onError?: (error: Error) => void;
}

/** A running subscription stream. */
export interface Subscriber {
  /** Stops pulling new messages; messages already delivered can still be acked until it resolves. */
  close(): Promise<void>;
  /**
   * The earliest time (ms since epoch) at which a quiet subscription may count as drained. Before it,
   * messages that a failed connection took with it can still come back: the server leased them to a
   * stream that died, and redelivers them only when that lease runs out. 0 when no such lease can be
   * pending (the embedded bus keeps its leases in the bus, and its backlog counts them).
   */
  drainableAt(): number;
}

export interface SubscriptionConfig {
  readonly name: string;
  readonly topic: string;
  /** Seconds a delivered message is leased before it is redelivered. Default 60. */
  readonly ackDeadlineSeconds?: number;
  /** How long unacked (and, where supported, acked) messages are kept. Default 7 days. */
  readonly messageRetentionSeconds?: number;
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveryAttempts: number };
  /** Backoff between redeliveries after a nack. Default: immediate. */
  readonly retryPolicy?: { readonly minimumBackoffSeconds: number; readonly maximumBackoffSeconds: number };
}

export interface SubscriptionInfo {
  readonly name: string;
  readonly topic: string;
  readonly ackDeadlineSeconds: number;
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveryAttempts: number };
  /** Messages not yet acked (undelivered + outstanding). Undefined where the bus cannot tell (Pub/Sub without Monitoring). */
  readonly backlog: number | undefined;
}
