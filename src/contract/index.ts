/** The event contract: types, decoding, validation and identity. The core of shopstream; no SDKs here. */
export * from './event-types.js';
export type { ContractFailure } from './contract-failure.js';
export * from './contract-options.js';
export { decodeMessage, type DecodeResult } from './decode.js';
export { eventIdOf } from './event-id.js';
export { eventTimeOf } from './event-time.js';
export { EventValidator, type ValidationResult } from './event-validator.js';
export {
  MessageChecker,
  type AcceptedMessage,
  type RejectedMessage,
  type CheckedMessage,
} from './message-checker.js';
export { EVENT_SCHEMAS, COMMON_SCHEMA } from './schemas.js';
