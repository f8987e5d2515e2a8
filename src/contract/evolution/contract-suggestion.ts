import type { JsonSchema } from '../contract-folder.js';
import type { EventType } from '../event-types.js';
import type { FieldObservation, ObservedType, UnknownFieldObserver } from './unknown-field-observer.js';

/** A field to add to the contract, as traffic shows it. */
export interface FieldSuggestion {
  readonly eventType: EventType;
  readonly path: string;
  /** Events that carried it, of all the events of its type read. */
  readonly events: number;
  readonly ofEvents: number;
  readonly types: Partial<Record<ObservedType, number>>;
  readonly samples: readonly string[];
  /** Where it goes: the schema file and the JSON path of the `properties` object to add it to. */
  readonly file: string;
  readonly under: string;
  /** The property to add, optional (so `contract check` calls it compatible); undefined when no one type fits. */
  readonly schema: JsonSchema | undefined;
  readonly notes: readonly string[];
}

/** Values producers send for an enum, which the contract refuses. */
export interface EnumSuggestion {
  readonly eventType: EventType;
  readonly path: string;
  readonly file: string;
  readonly under: string;
  readonly values: readonly { readonly value: string; readonly events: number }[];
}

/** What `contract suggest` proposes. */
export interface ContractSuggestion {
  readonly eventsRead: Readonly<Record<EventType, number>>;
  readonly fields: readonly FieldSuggestion[];
  readonly enums: readonly EnumSuggestion[];
}

const MAX_LENGTHS = [64, 256, 1000, 2000, 10000];

/**
 * Turns what an {@link UnknownFieldObserver} saw into proposed schema additions: each unknown field
 * as an optional property typed by its values (a timestamp or UUID by reference to the shared
 * definitions, strings with room to grow, objects and arrays with their observed fields), most
 * frequent first; and each refused enum value as a widening. Descriptions are left for a person to
 * write, since the warehouse model requires every column to have one.
 */
export function contractSuggestion(observer: UnknownFieldObserver): ContractSuggestion {
  const fields = [...observer.unknown.values()]
    .sort((a, b) => b.events - a.events || a.path.localeCompare(b.path))
    .map((observation): FieldSuggestion => {
      const ofEvents = observer.events[observation.eventType];
      const notes: string[] = [];
      const schema = propose(observation, ofEvents, notes);
      return {
        eventType: observation.eventType,
        path: observation.path,
        events: observation.events,
        ofEvents,
        types: observation.types,
        samples: observation.samples,
        file: `${observation.eventType}.schema.json`,
        under: propertiesPath(observation.path),
        schema,
        notes,
      };
    });
  const enums = [...observer.rejectedEnums.values()].map((rejected) => ({
    eventType: rejected.eventType,
    path: rejected.path,
    file: `${rejected.eventType}.schema.json`,
    under: `${propertiesPath(rejected.path)}.${rejected.path.split(/\.|\[\]\./).pop()}.enum`,
    values: [...rejected.values].sort((a, b) => b[1] - a[1]).map(([value, events]) => ({ value, events })),
  }));
  return { eventsRead: { ...observer.events }, fields, enums };
}

/** `items[].gift.note` → `properties.items.items.properties.gift.properties` (where `note` goes). */
function propertiesPath(path: string): string {
  const parents = path.split('.').slice(0, -1);
  return [
    'properties',
    ...parents.map((p) => (p.endsWith('[]') ? `${p.slice(0, -2)}.items.properties` : `${p}.properties`)),
  ].join('.');
}

function propose(observation: FieldObservation, ofEvents: number, notes: string[]): JsonSchema | undefined {
  const share = ofEvents > 0 ? ((100 * observation.events) / ofEvents).toFixed(1) : '0';
  const nulls = observation.types.null ?? 0;
  if (nulls > 0)
    notes.push(
      `sent as null ${nulls} time${nulls === 1 ? '' : 's'}: a typed field refuses null (SHOP_E_FIELD_MISSING); producers should leave it out instead`,
    );
  const kind = singleType(observation.types);
  if (!kind) {
    notes.push(`mixed types (${describeTypes(observation.types)}): agree on one with the producers first`);
    return undefined;
  }
  const description = `TODO: what it means (seen in ${share}% of ${observation.eventType} events).`;
  return { ...typed(kind, observation, notes), description };
}

function typed(kind: ObservedType, observation: FieldObservation, notes: string[]): JsonSchema {
  switch (kind) {
    case 'string':
      if (observation.allDateTimes) return { $ref: 'common.schema.json#/$defs/timestamp' };
      if (observation.allUuids) return { $ref: 'common.schema.json#/$defs/uuid' };
      return {
        type: 'string',
        maxLength: MAX_LENGTHS.find((n) => n >= 2 * (observation.maxLength ?? 0)) ?? 100_000,
      };
    case 'integer':
    case 'number':
      notes.push(`values from ${observation.minimum} to ${observation.maximum}`);
      return { type: kind };
    case 'object':
      return { type: 'object', properties: childProperties(observation, notes) };
    case 'array': {
      const element = singleType(observation.elementTypes);
      if (element === 'object')
        return { type: 'array', items: { type: 'object', properties: childProperties(observation, notes) } };
      if (!element) {
        notes.push(
          `array elements of mixed or unseen types (${describeTypes(observation.elementTypes) || 'always empty'})`,
        );
        return { type: 'array' };
      }
      return { type: 'array', items: { type: element } };
    }
    default:
      return { type: kind };
  }
}

function childProperties(observation: FieldObservation, notes: string[]): Record<string, JsonSchema> {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, child] of observation.children) {
    const schema = propose(child, observation.events, notes);
    if (schema) properties[name] = schema;
  }
  return properties;
}

/** The one type of the non-null values (integer and number together are number), or undefined. */
function singleType(types: Partial<Record<ObservedType, number>>): ObservedType | undefined {
  const seen = (Object.keys(types) as ObservedType[]).filter((t) => t !== 'null');
  if (seen.length === 1) return seen[0];
  if (seen.length === 2 && seen.includes('integer') && seen.includes('number')) return 'number';
  return undefined;
}

function describeTypes(types: Partial<Record<ObservedType, number>>): string {
  return Object.entries(types)
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([type, n]) => `${type} ×${n}`)
    .join(', ');
}
