import type { Contract } from '../contract-folder.js';
import { EVENT_TYPES, type EventType } from '../event-types.js';
import { contractFields, type ContractField } from './contract-fields.js';

/** A JSON type as observed: `integer` for whole numbers, `number` for the others. */
export type ObservedType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** What traffic showed of one field the contract does not name. */
export interface FieldObservation {
  readonly eventType: EventType;
  /** Contract-style path: `coupon_code`, `items[].gift_wrap`, `metadata.app_version`. */
  readonly path: string;
  /** Events that carried it (an event counts once, however many of its array elements have it). */
  events: number;
  readonly types: Partial<Record<ObservedType, number>>;
  /** Up to three distinct values, as JSON, cut at 40 characters. */
  readonly samples: string[];
  /** The longest string seen, and the smallest and largest number. */
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** Whether every string seen is an RFC 3339 date-time with an offset, or a UUID. */
  allDateTimes: boolean;
  allUuids: boolean;
  /** For an array: the types of its elements. */
  readonly elementTypes: Partial<Record<ObservedType, number>>;
  /** The keys seen inside it when it is an object (or an array of objects): their observations. */
  readonly children: Map<string, FieldObservation>;
}

/** Values of an enum that producers send and the contract refuses (from the DLQ). */
export interface RejectedEnumValues {
  readonly eventType: EventType;
  readonly path: string;
  readonly values: Map<string, number>;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Collects what traffic carries beyond a contract: every field of an accepted event that the
 * contract does not name (at the top level, inside its objects, inside the objects of its arrays),
 * with how often it appears and what its values look like; and the values of enums that events were
 * dead-lettered for. `contract suggest` feeds it the lake's event lines and DLQ records.
 */
export class UnknownFieldObserver {
  readonly events: Record<EventType, number> = { order: 0, inventory: 0, user_activity: 0 };
  readonly unknown = new Map<string, FieldObservation>();
  readonly rejectedEnums = new Map<string, RejectedEnumValues>();
  private readonly known: Record<EventType, Map<string, ContractField>>;

  constructor(contract: Contract) {
    this.known = Object.fromEntries(
      EVENT_TYPES.map((type) => {
        const schema = contract.events[type];
        return [type, schema ? contractFields(schema, contract.common) : new Map()];
      }),
    ) as Record<EventType, Map<string, ContractField>>;
  }

  /** One accepted event (a lake line, parsed). */
  observeEvent(eventType: EventType, event: Record<string, unknown>): void {
    this.events[eventType]++;
    const seen = new Set<FieldObservation>();
    this.walk(eventType, event, '', seen);
    for (const observation of seen) observation.events++;
  }

  /** An event dead-lettered as SHOP_E_FIELD_ENUM: the value at its JSON Pointer is not in the enum. */
  observeRejectedEnum(eventType: EventType, pointer: string, payload: unknown): void {
    const parts = pointer.split('/').slice(1);
    let value: unknown = payload;
    for (const part of parts) value = (value as Record<string, unknown> | undefined)?.[part];
    if (typeof value !== 'string') return;
    const path = parts
      .map((p) => (/^\d+$/.test(p) ? '[]' : `.${p}`))
      .join('')
      .replace(/^\./, '')
      .replaceAll('.[]', '[]');
    const key = `${eventType}.${path}`;
    let rejected = this.rejectedEnums.get(key);
    if (!rejected) this.rejectedEnums.set(key, (rejected = { eventType, path, values: new Map() }));
    rejected.values.set(value, (rejected.values.get(value) ?? 0) + 1);
  }

  private walk(
    eventType: EventType,
    object: Record<string, unknown>,
    prefix: string,
    seen: Set<FieldObservation>,
  ): void {
    const known = this.known[eventType];
    for (const [key, value] of Object.entries(object)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const field = known.get(path);
      if (!field) {
        const observation = this.observation(eventType, path, this.unknown);
        record(observation, value, seen);
        continue;
      }
      if (field.kind === 'object' && isObject(value)) this.walk(eventType, value, path, seen);
      if (field.kind === 'array' && Array.isArray(value) && known.get(`${path}[]`)?.kind === 'object')
        for (const element of value) if (isObject(element)) this.walk(eventType, element, `${path}[]`, seen);
    }
  }

  private observation(
    eventType: EventType,
    path: string,
    into: Map<string, FieldObservation>,
  ): FieldObservation {
    const key = `${eventType}.${path}`;
    let observation = into.get(key);
    if (!observation) into.set(key, (observation = newObservation(eventType, path)));
    return observation;
  }
}

function newObservation(eventType: EventType, path: string): FieldObservation {
  return {
    eventType,
    path,
    events: 0,
    types: {},
    elementTypes: {},
    samples: [],
    allDateTimes: true,
    allUuids: true,
    children: new Map(),
  };
}

/** Adds one value to an observation (and its object's keys to its children). */
function record(observation: FieldObservation, value: unknown, seen: Set<FieldObservation>): void {
  seen.add(observation);
  const type = typeOf(value);
  observation.types[type] = (observation.types[type] ?? 0) + 1;
  const sample = JSON.stringify(value).slice(0, 40);
  if (observation.samples.length < 3 && !observation.samples.includes(sample))
    observation.samples.push(sample);
  if (typeof value === 'string') {
    observation.maxLength = Math.max(observation.maxLength ?? 0, value.length);
    observation.allDateTimes &&= DATE_TIME.test(value);
    observation.allUuids &&= UUID.test(value);
  } else {
    observation.allDateTimes = observation.allUuids = false;
  }
  if (typeof value === 'number') {
    observation.minimum = Math.min(observation.minimum ?? value, value);
    observation.maximum = Math.max(observation.maximum ?? value, value);
  }
  if (Array.isArray(value))
    for (const element of value) {
      const elementType = typeOf(element);
      observation.elementTypes[elementType] = (observation.elementTypes[elementType] ?? 0) + 1;
    }
  const objects = isObject(value) ? [value] : Array.isArray(value) ? value.filter(isObject) : [];
  for (const object of objects)
    for (const [key, child] of Object.entries(object)) {
      let into = observation.children.get(key);
      if (!into)
        observation.children.set(
          key,
          (into = newObservation(
            observation.eventType,
            `${observation.path}${Array.isArray(value) ? '[]' : ''}.${key}`,
          )),
        );
      record(into, child, seen);
    }
}

function typeOf(value: unknown): ObservedType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as ObservedType;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
