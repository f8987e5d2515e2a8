import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isIP } from 'node:net';
import type { ErrorCode } from '../errors/error-codes.js';
import type { ContractFailure } from './contract-failure.js';
import {
  compileContractOptions,
  type CompiledContractOptions,
  type ContractOptions,
} from './contract-options.js';
import { isDateTime } from './date-time-format.js';
import { EVENT_TYPES, isEventType, type EventType, type ShopEvent } from './event-types.js';
import { COMMON_SCHEMA, EVENT_SCHEMAS } from './schemas.js';

// ajv-formats is CommonJS: under ESM its function is the module's `default` property.
/** The outcome of validating one decoded object. */
export type ValidationResult =
  | {
      readonly ok: true;
      readonly eventType: EventType;
      /** The same object, with timestamps normalized to UTC (`…Z`). */
      readonly event: ShopEvent;
      /** Fields the contract does not know (accepted for forward compatibility, and counted). */
      readonly unknownFields: number;
      /**
       * Whether the timestamp as sent is plain UTC (`…T…Z`, at most microseconds), so any reader parses
       * it to exactly the stored instant; false when it had an offset, lowercase letters or nanoseconds.
       */
      readonly timestampVerbatim: boolean;
    }
  | { readonly ok: false; readonly failure: ContractFailure };

/** Fields holding timestamps, per event type: checked against the bounds and normalized to UTC. */
const TIMESTAMP_FIELDS: Readonly<Record<EventType, string>> = {
  order: 'order_date',
  inventory: 'timestamp',
  user_activity: 'timestamp',
};

/**
 * The compiled event contract: one ajv validator per event type, built from schemas/, plus the
 * checks JSON Schema cannot express (timestamp bounds relative to now, UTC normalization).
 */
export class EventValidator {
  readonly options: CompiledContractOptions;
  private readonly validators: Record<EventType, ValidateFunction>;
  private readonly knownKeys: Record<EventType, KnownKeys>;

  constructor(options: ContractOptions = {}) {
    this.options = compileContractOptions(options);
    const ajv = new Ajv2020({ allErrors: false, strict: true, strictTypes: false });
    ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
    ajv.addFormat('ip-address', { type: 'string', validate: (s: string) => isIP(s) !== 0 });
    ajv.addSchema(COMMON_SCHEMA);
    this.validators = {} as Record<EventType, ValidateFunction>;
    this.knownKeys = {} as Record<EventType, KnownKeys>;
    for (const type of EVENT_TYPES) {
      this.validators[type] = ajv.compile(EVENT_SCHEMAS[type]);
      this.knownKeys[type] = knownKeysOf(EVENT_SCHEMAS[type]);
    }
  }

  /** Validates a decoded JSON object against the contract of its `event_type`. */
  validate(value: Record<string, unknown>): ValidationResult {
    const type = value.event_type;
    if (type === undefined || type === null)
      return failure('SHOP_E_EVENT_TYPE_MISSING', '/event_type', 'event_type is missing');
    if (!isEventType(type)) {
      const shown = typeof type === 'string' ? JSON.stringify(type.slice(0, 64)) : typeof type;
      return failure(
        'SHOP_E_EVENT_TYPE_UNKNOWN',
        '/event_type',
        `event_type ${shown} is not order, inventory or user_activity`,
      );
    }
    const validate = this.validators[type];
    if (!validate(value)) return { ok: false, failure: mapAjvError(validate.errors ?? [], value) };
    const field = TIMESTAMP_FIELDS[type];
    const normalized = this.normalizeTimestamp(value, field);
    if (typeof normalized !== 'string') return { ok: false, failure: normalized };
    const timestampVerbatim = PLAIN_UTC.test(value[field] as string);
    value[field] = normalized;
    return {
      ok: true,
      eventType: type,
      event: value as unknown as ShopEvent,
      unknownFields: countUnknown(value, this.knownKeys[type]),
      timestampVerbatim,
    };
  }

  private normalizeTimestamp(value: Record<string, unknown>, field: string): string | ContractFailure {
    const text = value[field] as string;
    const ms = Date.parse(text);
    // ajv's full date-time format already rejected impossible dates; NaN here is a year out of range.
    if (Number.isNaN(ms))
      return {
        code: 'SHOP_E_TIMESTAMP_INVALID',
        path: `/${field}`,
        message: `${field} is not a valid date-time`,
      };
    if (ms < this.options.minTimestampMs)
      return {
        code: 'SHOP_E_TIMESTAMP_OUT_OF_BOUNDS',
        path: `/${field}`,
        message: `${field} ${text} is before ${new Date(this.options.minTimestampMs).toISOString()}`,
      };
    if (ms > this.options.now() + this.options.maxFutureMs)
      return {
        code: 'SHOP_E_TIMESTAMP_OUT_OF_BOUNDS',
        path: `/${field}`,
        message: `${field} ${text} is more than ${this.options.maxFutureMs} ms in the future`,
      };
    return utcText(text);
  }
}

// ajv checked the shape already: date, T, time, optional fraction, Z or ±hh:mm.
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;
const PLAIN_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;

/**
 * The same instant as canonical UTC text with microseconds, `YYYY-MM-DDTHH:mm:ss.ffffffZ`: the
 * precision both warehouses store. A JS Date would cut microseconds, so the fraction is kept as
 * text; digits past the sixth are dropped.
 */
function utcText(text: string): string {
  const [, date, time, fraction, zone] = RFC3339.exec(text)!;
  const micros = (fraction ?? '').slice(0, 6).padEnd(6, '0');
  if (zone === 'Z' || zone === 'z') return `${date}T${time}.${micros}Z`;
  return `${new Date(`${date}T${time}${zone}`).toISOString().slice(0, 19)}.${micros}Z`;
}

function failure(code: ErrorCode, path: string, message: string): ValidationResult {
  return { ok: false, failure: { code, path, message } };
}

/** Maps ajv's first error to our code; the schema path tells timestamps and UUIDs apart. */
function mapAjvError(errors: ErrorObject[], value: unknown): ContractFailure {
  const error = errors[errors.length - 1]!;
  const at = error.instancePath;
  switch (error.keyword) {
    case 'required': {
      const path = `${at}/${(error.params as { missingProperty: string }).missingProperty}`;
      return { code: 'SHOP_E_FIELD_MISSING', path, message: `${path} is required` };
    }
    case 'type':
    case 'const':
      if (valueAt(value, at) === null)
        return { code: 'SHOP_E_FIELD_MISSING', path: at, message: `${at} is null` };
      return {
        code: 'SHOP_E_FIELD_TYPE',
        path: at,
        message: `${at} ${error.message ?? 'has the wrong type'}`,
      };
    case 'enum': {
      if (valueAt(value, at) === null)
        return { code: 'SHOP_E_FIELD_MISSING', path: at, message: `${at} is null` };
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.join(', ');
      return { code: 'SHOP_E_FIELD_ENUM', path: at, message: `${at} must be one of: ${allowed}` };
    }
    case 'minimum':
    case 'maximum':
      return { code: 'SHOP_E_FIELD_RANGE', path: at, message: `${at} ${error.message ?? 'is out of range'}` };
    case 'minItems':
      return { code: 'SHOP_E_FIELD_EMPTY', path: at, message: `${at} must not be empty` };
    case 'maxItems':
    case 'maxLength':
      return { code: 'SHOP_E_FIELD_TOO_LONG', path: at, message: `${at} ${error.message ?? 'is too long'}` };
    case 'format':
    case 'pattern':
      if (error.schemaPath.includes('/timestamp/'))
        return {
          code: 'SHOP_E_TIMESTAMP_INVALID',
          path: at,
          message: `${at} must be an RFC 3339 date-time with an offset`,
        };
      if (error.schemaPath.includes('/uuid/'))
        return { code: 'SHOP_E_FIELD_FORMAT', path: at, message: `${at} must be an RFC 4122 UUID` };
      return {
        code: 'SHOP_E_FIELD_FORMAT',
        path: at,
        message: `${at} ${error.message ?? 'has the wrong format'}`,
      };
    default:
      return { code: 'SHOP_E_FIELD_INVALID', path: at, message: `${at} ${error.message ?? 'is invalid'}` };
  }
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node;
}

/** The property names a schema knows, for its top level and each nested object (by field name). */
interface KnownKeys {
  readonly top: ReadonlySet<string>;
  readonly nested: ReadonlyMap<string, { readonly keys: ReadonlySet<string>; readonly array: boolean }>;
}

function knownKeysOf(schema: Record<string, unknown>): KnownKeys {
  const props = schema.properties as Record<string, Record<string, unknown>>;
  const nested = new Map<string, { keys: ReadonlySet<string>; array: boolean }>();
  for (const [name, sub] of Object.entries(props)) {
    if (sub.type === 'object')
      nested.set(name, { keys: new Set(Object.keys(sub.properties as object)), array: false });
    const items = sub.items as Record<string, unknown> | undefined;
    if (sub.type === 'array' && items?.type === 'object')
      nested.set(name, { keys: new Set(Object.keys(items.properties as object)), array: true });
  }
  return { top: new Set(Object.keys(props)), nested };
}

function countUnknown(value: Record<string, unknown>, known: KnownKeys): number {
  let unknown = 0;
  for (const key in value) if (!known.top.has(key)) unknown++;
  for (const [name, { keys, array }] of known.nested) {
    const objects = array
      ? (value[name] as Record<string, unknown>[])
      : [value[name] as Record<string, unknown>];
    for (const object of objects) for (const key in object) if (!keys.has(key)) unknown++;
  }
  return unknown;
}
