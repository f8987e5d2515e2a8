import type { Contract } from '../contract-folder.js';
import { EVENT_TYPES, type EventType } from '../event-types.js';
import type { ContractChange } from './contract-change.js';
import { contractFields, type ContractField } from './contract-fields.js';
import { describeField, fieldChanges, type FieldContext } from './field-changes.js';

/** A table of the warehouse whose rows are the values of an enum of the contract (`ref_platform`). */
export interface EnumerationTableRef {
  readonly eventType: EventType;
  /** The enum's path in the event, dotted (`metadata.platform`). */
  readonly path: string;
  readonly table: string;
}

/** Options of {@link compareContracts}. */
export interface CompareContractsOptions {
  /** The warehouse's enumeration tables, so a changed enum names the table its consumers read. */
  readonly enumerationTables?: readonly EnumerationTableRef[];
}

/**
 * Every difference between an earlier contract and a later one, field by field for every event type,
 * classified (see {@link Compatibility}): parents before their children, and a field that was added,
 * removed or retyped as a whole is reported once, not once per field inside it. A field removed and
 * another added beside it with the same definition is reported as a rename.
 *
 * @example
 * const changes = compareContracts(readContractFolder('old/schemas'), readContractFolder('schemas'));
 * const breaking = changes.filter((c) => c.compatibility === 'breaking');
 */
export function compareContracts(
  before: Contract,
  after: Contract,
  options: CompareContractsOptions = {},
): ContractChange[] {
  const changes: ContractChange[] = [];
  for (const eventType of EVENT_TYPES) {
    const [old, now] = [before.events[eventType], after.events[eventType]];
    if (!old && !now) continue;
    if (!old || !now) {
      changes.push({
        eventType,
        path: '',
        kind: old ? 'event-type-removed' : 'event-type-added',
        compatibility: old ? 'breaking' : 'compatible',
        detail: old
          ? `${eventType}.schema.json is gone: every ${eventType} event is refused`
          : `new event type ${eventType}`,
        notCompatibleFor: [],
      });
      continue;
    }
    const context: FieldContext = {
      eventType,
      enumerationTable: (path) =>
        options.enumerationTables?.find((t) => t.eventType === eventType && t.path === path)?.table,
    };
    changes.push(
      ...eventChanges(contractFields(old, before.common), contractFields(now, after.common), context),
    );
  }
  return changes;
}

function eventChanges(
  before: Map<string, ContractField>,
  after: Map<string, ContractField>,
  context: FieldContext,
): ContractChange[] {
  // Paths whose descendants are covered by a change reported for them (added, removed, retyped);
  // fields come parents first, so a covered field passes the cover on to its own descendants.
  const settled = new Set<string>();
  const coveredByParent = (field: ContractField): boolean => {
    const covered = settled.has(field.parent);
    if (covered) settled.add(field.path);
    return covered;
  };
  for (const field of after.values())
    if (before.has(field.path) && before.get(field.path)!.kind !== field.kind) settled.add(field.path);
  const removed: ContractField[] = [];
  for (const field of before.values())
    if (!after.has(field.path) && !coveredByParent(field)) {
      removed.push(field);
      settled.add(field.path);
    }
  const added: ContractField[] = [];
  for (const field of after.values())
    if (!before.has(field.path) && !coveredByParent(field)) {
      added.push(field);
      settled.add(field.path);
    }

  const changes: ContractChange[] = [];
  const change = (field: ContractField, rest: Omit<ContractChange, 'eventType' | 'path'>): void => {
    changes.push({ eventType: context.eventType, path: field.path, ...rest });
  };
  for (const old of removed) {
    const twin = added.find((a) => a.parent === old.parent && signature(a, after) === signature(old, before));
    if (twin) {
      added.splice(added.indexOf(twin), 1);
      change(old, {
        kind: 'field-renamed',
        compatibility: 'breaking',
        detail: `renamed to ${twin.path}: producers of the old contract still send ${old.name}, readers of ${old.name} find nothing`,
        notCompatibleFor: [],
      });
      continue;
    }
    change(old, {
      kind: 'field-removed',
      compatibility: 'breaking',
      detail: `removed${old.required ? ' (it was required)' : ''}: readers of ${old.path} lose it`,
      notCompatibleFor: [],
    });
  }
  for (const field of after.values()) {
    const old = before.get(field.path);
    if (!old || coveredByParent(field)) continue;
    for (const c of fieldChanges(old, field, context)) change(field, c);
  }
  for (const field of added) {
    change(field, {
      kind: field.required ? 'required-field-added' : 'field-added',
      compatibility: field.required ? 'breaking' : 'compatible',
      detail: field.required
        ? `new required field (${describeField(field, after)}): every event of the old contract lacks it and is refused`
        : `new optional field (${describeField(field, after)})`,
      notCompatibleFor: [],
    });
  }
  return changes;
}

/** A field's definition without its name and description, its subtree included: equal for a rename. */
function signature(field: ContractField, fields: Map<string, ContractField>): string {
  const own = (f: ContractField): string => {
    const { path: _p, parent: _pa, name: _n, description: _d, ...shape } = f;
    return JSON.stringify(shape);
  };
  const below = [...fields.values()]
    .filter((f) => f.path.startsWith(`${field.path}.`) || f.path.startsWith(`${field.path}[]`))
    .map((f) => `${f.path.slice(field.path.length)}=${own(f)}`);
  return [own(field), ...below].join('\n');
}
