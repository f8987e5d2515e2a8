import type { ReceivedMessage } from '../message-bus.js';

/** What a delivered message reports back to its subscriber. */
export interface MessageOwner {
  settle(message: EmbeddedMessage, how: 'ack' | 'nack'): void;
  extend(message: EmbeddedMessage, seconds: number): void;
}

/**
 * A run of new messages leased by one pull, stored as one `batches` row. Members settle by setting
 * their bit; the subscriber writes the bitmap (or deletes the row once every bit is set).
 */
export class DeliveryBatch {
  readonly settled: Buffer;
  settledCount = 0;

  constructor(
    /** The pull's delivery id, which is also the batch row's id. */
    readonly delivery: number,
    readonly firstSeq: number,
    readonly size: number,
  ) {
    this.settled = Buffer.alloc(Math.ceil(size / 8));
  }

  /** Marks a member settled; false when it already was. */
  mark(index: number): boolean {
    const mask = 1 << (index & 7);
    const byte = this.settled[index >> 3]!;
    if (byte & mask) return false;
    this.settled[index >> 3] = byte | mask;
    this.settledCount += 1;
    return true;
  }

  get complete(): boolean {
    return this.settledCount === this.size;
  }
}

/**
 * Where a delivered message is in its life on this subscriber: held by the handler and counted by
 * flow control; acked or nacked; or its lease ran out before the handler settled it (no longer
 * counted by flow control, though a late ack is still applied when it can be).
 */
export type MessageState = 'outstanding' | 'settled' | 'expired';

/**
 * A delivered message of the embedded bus. Attributes and publish time are decoded on first use:
 * the pipeline's hot path reads neither for most messages.
 */
export class EmbeddedMessage implements ReceivedMessage {
  state: MessageState = 'outstanding';
  private decodedAttributes: Readonly<Record<string, string>> | undefined;

  constructor(
    private readonly owner: MessageOwner,
    readonly seq: number,
    readonly data: Buffer,
    private readonly publishMs: number,
    private readonly rawAttributes: string | null,
    readonly deliveryAttempt: number,
    /** The pull that leased it; settlements name it so they never touch a later lease. */
    readonly delivery: number,
    /** Its batch while it is a member; null for a single lease (or once it left the batch). */
    public batch: DeliveryBatch | null,
    public leaseUntilMs: number,
  ) {}

  get id(): string {
    return String(this.seq);
  }

  get attributes(): Readonly<Record<string, string>> {
    this.decodedAttributes ??= Object.freeze(
      this.rawAttributes === null ? {} : (JSON.parse(this.rawAttributes) as Record<string, string>),
    );
    return this.decodedAttributes;
  }

  get publishTime(): Date {
    return new Date(this.publishMs);
  }

  /** Index of this message in its batch. */
  get index(): number {
    return this.seq - this.batch!.firstSeq;
  }

  ack(): void {
    this.owner.settle(this, 'ack');
  }

  nack(): void {
    this.owner.settle(this, 'nack');
  }

  modifyAckDeadline(seconds: number): void {
    this.owner.extend(this, seconds);
  }
}
