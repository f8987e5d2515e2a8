import type { EventType } from '../event-types.js';

/**
 * How far a change of the contract is safe:
 *
 * - `compatible`: for readers and writers alike. Producers of either version, pipelines of either
 *   version and the consumers of the warehouse all keep working (a new optional field).
 * - `conditional`: events of the new contract may be refused, or answers change, for the parties in
 *   {@link ContractChange.notCompatibleFor} (a widened enum or range); nothing breaks in the warehouse.
 * - `breaking`: events valid before are refused, or a column loses or changes meaning (a removed,
 *   renamed or retyped field, a new required field, a narrowed range or enum). `contract check` fails.
 */
export type Compatibility = 'compatible' | 'conditional' | 'breaking';

/** What changed. */
export type ChangeKind =
  | 'event-type-added'
  | 'event-type-removed'
  | 'field-added'
  | 'required-field-added'
  | 'field-removed'
  | 'field-renamed'
  | 'type-changed'
  | 'made-required'
  | 'made-optional'
  | 'enum-widened'
  | 'enum-narrowed'
  | 'enum-reordered'
  | 'range-widened'
  | 'range-narrowed'
  | 'const-changed'
  | 'closed'
  | 'opened'
  | 'description-changed';

/** One difference between two contracts, classified. */
export interface ContractChange {
  readonly eventType: EventType;
  /** The field's path in the event (`coupon_code`, `items[].discount`); '' for the whole event type. */
  readonly path: string;
  readonly kind: ChangeKind;
  readonly compatibility: Compatibility;
  /** What changed, in words (`new optional field: string, at most 64 characters`). */
  readonly detail: string;
  /** For a `conditional` change: who it is not compatible for, and what they see. */
  readonly notCompatibleFor: readonly string[];
}
