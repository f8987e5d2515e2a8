import type { EventType } from '../contract/event-types.js';
import type { ErrorCode } from '../errors/error-codes.js';

/**
 * One message the generator produced: the exact bytes to publish, and what they are meant to be.
 * A valid event has its `eventType`; a deliberately bad one has `eventType: null`, the kind of damage
 * (`invalidKind`, e.g. `truncated_json`) and the contract code it must be rejected with.
 */
export interface GeneratedMessage {
  readonly data: Buffer;
  readonly eventType: EventType | null;
  readonly invalidKind?: string;
  readonly expectedCode?: ErrorCode;
}

/** What a generator run produced, by event type, plus the deliberately invalid messages. */
export interface GeneratedCounts {
  readonly published: number;
  readonly byType: Readonly<Record<EventType, number>>;
  readonly invalid: number;
}

/** A mutable tally of {@link GeneratedCounts}. */
export class GeneratedTally {
  published = 0;
  invalid = 0;
  readonly byType: Record<EventType, number> = { order: 0, inventory: 0, user_activity: 0 };

  add(message: GeneratedMessage): void {
    this.published++;
    if (message.eventType === null) this.invalid++;
    else this.byType[message.eventType]++;
  }

  addAll(messages: readonly GeneratedMessage[]): void {
    for (const message of messages) this.add(message);
  }

  snapshot(): GeneratedCounts {
    return { published: this.published, byType: { ...this.byType }, invalid: this.invalid };
  }
}
