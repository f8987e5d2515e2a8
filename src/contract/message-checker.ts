import type { ContractFailure } from './contract-failure.js';
import type { ContractOptions } from './contract-options.js';
import { decodeMessage } from './decode.js';
import { eventIdOf } from './event-id.js';
import type { EventType, ShopEvent } from './event-types.js';
import { EventValidator } from './event-validator.js';

/** A message that meets the contract, ready to route. */
export interface AcceptedMessage {
  readonly ok: true;
  readonly eventId: string;
  readonly eventType: EventType;
  /** The event with timestamps in UTC. */
  readonly event: ShopEvent;
  /** The payload as text, one line (newline-free), for the raw lake. */
  readonly line: string;
  /** True when `line` is the payload's own text (nothing had to be re-serialized): its bytes are the message's. */
  readonly lineIsPayload: boolean;
  readonly unknownFields: number;
  /**
   * True when `line` holds exactly the warehouse row's event fields with the same values: no unknown
   * field, the timestamp in plain UTC at most to the microsecond, no whitespace around the object, and
   * no `\u` escape (which could hide a lone surrogate a warehouse would refuse). Then the line itself
   * can stand for the row.
   */
  readonly lineIsRow: boolean;
}

/** A message that breaks the contract: goes to the DLQ with this reason. */
export interface RejectedMessage {
  readonly ok: false;
  readonly failure: ContractFailure;
}

export type CheckedMessage = AcceptedMessage | RejectedMessage;

/**
 * The whole contract from bytes: decode → validate → event_id. One instance per process; it is
 * stateless after construction.
 */
export class MessageChecker {
  readonly validator: EventValidator;

  constructor(options: ContractOptions = {}) {
    this.validator = new EventValidator(options);
  }

  check(bytes: Uint8Array): CheckedMessage {
    const decoded = decodeMessage(bytes, this.validator.options.maxMessageBytes);
    if (!decoded.ok) return decoded;
    const result = this.validator.validate(decoded.value);
    if (!result.ok) return result;
    // A raw newline can only be whitespace between JSON tokens (inside strings it must be escaped),
    // so re-serializing is needed only then, to keep one event per NDJSON line.
    const text = decoded.text;
    const lineIsPayload = !text.includes('\n') && !text.includes('\r');
    const line = lineIsPayload ? text : JSON.stringify(JSON.parse(text));
    return {
      ok: true,
      eventId: eventIdOf(bytes),
      eventType: result.eventType,
      event: result.event,
      line,
      lineIsPayload,
      unknownFields: result.unknownFields,
      lineIsRow:
        result.unknownFields === 0 &&
        result.timestampVerbatim &&
        line.startsWith('{') &&
        line.endsWith('}') &&
        !line.includes('\\u'),
    };
  }
}
