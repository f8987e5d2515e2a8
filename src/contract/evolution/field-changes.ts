import type { EventType } from '../event-types.js';
import type { ContractChange } from './contract-change.js';
import { BOUNDS, type Bound, type ContractField } from './contract-fields.js';

/** What {@link fieldChanges} needs to know beyond the two fields. */
export interface FieldContext {
  readonly eventType: EventType;
  /** The enumeration table that holds the values of the enum at this (dotted) path, if any. */
  readonly enumerationTable: (path: string) => string | undefined;
}

type FieldChange = Omit<ContractChange, 'eventType' | 'path'>;

/** Bounds that admit more values when they go down (or go away), and the DLQ code of a value past them. */
const LOWER: ReadonlySet<Bound> = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems']);
const CODE_OF_BOUND: Readonly<Record<Bound, string>> = {
  minimum: 'SHOP_E_FIELD_RANGE',
  maximum: 'SHOP_E_FIELD_RANGE',
  exclusiveMinimum: 'SHOP_E_FIELD_RANGE',
  exclusiveMaximum: 'SHOP_E_FIELD_RANGE',
  minLength: 'SHOP_E_FIELD_INVALID',
  maxLength: 'SHOP_E_FIELD_TOO_LONG',
  minItems: 'SHOP_E_FIELD_EMPTY',
  maxItems: 'SHOP_E_FIELD_TOO_LONG',
};

/**
 * How one field present in both contracts changed, classified. A change of kind (or of `format`
 * date-time, which decides between a STRING and a TIMESTAMP column) is reported alone: the field's
 * other differences then mean nothing.
 */
export function fieldChanges(old: ContractField, now: ContractField, context: FieldContext): FieldChange[] {
  const retyped = (detail: string): FieldChange[] => [
    { kind: 'type-changed', compatibility: 'breaking', detail, notCompatibleFor: [] },
  ];
  if (old.kind !== now.kind) return retyped(`type changed from ${shapeOf(old)} to ${shapeOf(now)}`);
  const isTime = (f: ContractField): boolean => f.format === 'date-time';
  if (isTime(old) !== isTime(now)) return retyped(`type changed from ${shapeOf(old)} to ${shapeOf(now)}`);

  const changes: FieldChange[] = [];
  const breaking = (kind: FieldChange['kind'], detail: string): void => {
    changes.push({ kind, compatibility: 'breaking', detail, notCompatibleFor: [] });
  };
  if (old.kind === 'const' && JSON.stringify(old.const) !== JSON.stringify(now.const))
    breaking('const-changed', `always ${JSON.stringify(old.const)} before, ${JSON.stringify(now.const)} now`);
  if (old.required && !now.required)
    breaking('made-optional', 'was required, now optional: readers that rely on it find it missing');
  if (!old.required && now.required)
    breaking(
      'made-required',
      'was optional, now required: events without it are refused (SHOP_E_FIELD_MISSING)',
    );
  if (old.kind === 'enum') changes.push(...enumChanges(old, now, context));
  for (const bound of BOUNDS) {
    const [was, is] = [old[bound], now[bound]];
    if (was === is) continue;
    const lower = LOWER.has(bound);
    const widened = is === undefined || (was !== undefined && (lower ? is < was : is > was));
    const detail = `${bound} ${was ?? 'none'} → ${is ?? 'none'}`;
    if (widened) changes.push(widenedChange(now, detail, CODE_OF_BOUND[bound]));
    else breaking('range-narrowed', `${detail}: values valid before are refused (${CODE_OF_BOUND[bound]})`);
  }
  for (const key of ['pattern', 'format'] as const) {
    if (old[key] === now[key]) continue;
    const detail = `${key} ${old[key] === undefined ? 'none' : JSON.stringify(old[key])} → ${now[key] === undefined ? 'none' : JSON.stringify(now[key])}`;
    if (now[key] === undefined) changes.push(widenedChange(now, detail, 'SHOP_E_FIELD_FORMAT'));
    else breaking('range-narrowed', `${detail}: values valid before may be refused (SHOP_E_FIELD_FORMAT)`);
  }
  if (!old.closed && now.closed)
    breaking('closed', 'additionalProperties: false: events with fields it does not name are refused');
  if (old.closed && !now.closed)
    changes.push({
      kind: 'opened',
      compatibility: 'compatible',
      detail: 'fields it does not name are accepted now',
      notCompatibleFor: [],
    });
  if (old.description !== now.description)
    changes.push({
      kind: 'description-changed',
      compatibility: 'compatible',
      detail: 'description changed (column descriptions and docs follow with `npm run gen`)',
      notCompatibleFor: [],
    });
  return changes;
}

function enumChanges(old: ContractField, now: ContractField, context: FieldContext): FieldChange[] {
  const [was, is] = [old.enum ?? [], now.enum ?? []];
  const gone = was.filter((v) => !is.includes(v));
  const fresh = is.filter((v) => !was.includes(v));
  const list = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(', ');
  const column = now.path.replaceAll('[]', '');
  const table = context.enumerationTable(column);
  if (gone.length > 0)
    return [
      {
        kind: 'enum-narrowed',
        compatibility: 'breaking',
        detail: `values removed: ${list(gone)}${fresh.length > 0 ? `; added: ${list(fresh)}` : ''}: events with them are refused (SHOP_E_FIELD_ENUM)${table ? `, and rows already stored lose their ${table} row` : ''}`,
        notCompatibleFor: [],
      },
    ];
  if (fresh.length > 0)
    return [
      {
        kind: 'enum-widened',
        compatibility: 'conditional',
        detail: `values added: ${list(fresh)}`,
        notCompatibleFor: [
          previousPipelines('SHOP_E_FIELD_ENUM'),
          table
            ? `consumers of the views and of ${table}: ${column} takes values they have never seen; ${table} gets its rows from src/warehouse/model/enumerations.ts, which must describe ${list(fresh)} (\`npm run gen\` fails until it does)`
            : `consumers of the views: ${column} takes values they have never seen (filters, CASEs and charts keyed on the old values miss them)`,
        ],
      },
    ];
  if (JSON.stringify(was) !== JSON.stringify(is))
    return [
      {
        kind: 'enum-reordered',
        compatibility: 'conditional',
        detail: `same values, new order: ${list(is)}`,
        notCompatibleFor: [
          table
            ? `consumers of the views and of ${table}: columns it derives from the order (ref_order_status.lifecycle_rank) change, and so do the answers built on them`
            : 'nobody reading the events: JSON Schema enums have no order',
        ],
      },
    ];
  return [];
}

function widenedChange(field: ContractField, detail: string, code: string): FieldChange {
  return {
    kind: 'range-widened',
    compatibility: 'conditional',
    detail,
    notCompatibleFor: [
      previousPipelines(code),
      `consumers of the views: ${field.path.replaceAll('[]', '')} takes values outside the range they knew`,
    ],
  };
}

function previousPipelines(code: string): string {
  return `pipelines of the previous contract: they dead-letter events that use it (${code}) until they are upgraded; replay those with \`shopstream dlq replay --code ${code}\``;
}

/** A field's type in words: `string (date-time)`, `enum`, `array of object`. */
function shapeOf(field: ContractField): string {
  return field.format ? `${field.kind} (${field.format})` : field.kind;
}

/** A new field in words, for a report: `string, maxLength 64`, `object with note, amount`. */
export function describeField(field: ContractField, fields: ReadonlyMap<string, ContractField>): string {
  const parts = [shapeOf(field)];
  if (field.enum) parts.push(`one of ${field.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  for (const bound of BOUNDS) if (field[bound] !== undefined) parts.push(`${bound} ${field[bound]}`);
  if (field.kind === 'object' || field.kind === 'array') {
    const prefix = field.kind === 'array' ? `${field.path}[].` : `${field.path}.`;
    const children = [...fields.values()].filter((f) => f.parent === prefix.slice(0, -1)).map((f) => f.name);
    const element = fields.get(`${field.path}[]`);
    if (field.kind === 'array' && element && element.kind !== 'object')
      parts[0] = `array of ${shapeOf(element)}`;
    else if (children.length > 0)
      parts[0] = `${field.kind === 'array' ? 'array of objects' : 'object'} with ${children.join(', ')}`;
  }
  return parts.join(', ');
}
