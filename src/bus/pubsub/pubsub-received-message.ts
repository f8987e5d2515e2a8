import type { Message } from '@google-cloud/pubsub';
import type { ReceivedMessage } from '../message-bus.js';

/** Pub/Sub's longest lease (ModifyAckDeadline accepts 0-600 s). */
const MAX_LEASE_SECONDS = 600;

/**
 * A delivered Pub/Sub message with the port's lease: if it is neither acked nor nacked within its
 * lease (the subscription's ack deadline, or the last `modifyAckDeadline`), it is given back for
 * redelivery.
 *
 * Why a lease of our own: the client library keeps extending the lease of every message it holds
 * (for up to an hour), so on Pub/Sub a message a consumer forgot would never come back while the
 * process lives. The port promises redelivery after the deadline, and the embedded bus does that,
 * so here the deadline is enforced on the client: at expiry the message is nacked, which is what
 * the server would do, and later calls on it are ignored (a late ack cannot be trusted, the message
 * may already be with another consumer).
 */
export class PubSubReceivedMessage implements ReceivedMessage {
  readonly id: string;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly publishTime: Date;
  readonly deliveryAttempt: number;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;

  /**
   * @param onSettled called once, when the message is acked, nacked or its lease expires (after
   *   the library was told), so the subscriber can release its flow-control slot.
   */
  constructor(
    private readonly message: Message,
    private readonly onSettled: (message: PubSubReceivedMessage) => void,
  ) {
    this.id = message.id;
    this.data = message.data;
    this.attributes = message.attributes ?? {};
    this.publishTime = new Date(message.publishTime.getTime());
    // Pub/Sub counts deliveries only on subscriptions with a dead-letter policy; elsewhere it is 0.
    this.deliveryAttempt = message.deliveryAttempt > 0 ? message.deliveryAttempt : 1;
  }

  /** Bytes the message counts for in flow control (its data, as the client library counts). */
  get size(): number {
    return this.message.length;
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** Starts the lease; called when the message is handed to the handler. */
  lease(seconds: number): void {
    if (this.settled) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(), seconds * 1000);
    // A pending lease must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  ack(): void {
    if (!this.settle()) return;
    this.message.ack();
  }

  nack(): void {
    if (!this.settle()) return;
    this.message.nack();
  }

  modifyAckDeadline(seconds: number): void {
    if (this.settled) return;
    const lease = Math.min(Math.max(0, Math.round(seconds)), MAX_LEASE_SECONDS);
    if (lease === 0) {
      this.nack();
      return;
    }
    // The server lease follows too, so the message stays ours if this process stalls.
    this.message.modAck(lease);
    this.lease(lease);
  }

  /** The lease ran out: give the message back, as the server would. */
  expire(): void {
    this.nack();
  }

  /**
   * Forgets the message without telling the library; used at close, when the library nacks every
   * message it still holds itself.
   */
  abandon(): void {
    this.settle();
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    this.onSettled(this);
    return true;
  }
}
