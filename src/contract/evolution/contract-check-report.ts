import { EVENT_TYPES } from '../event-types.js';
import type { Compatibility, ContractChange } from './contract-change.js';

/** What `contract check` compared, and what it found. */
export interface ContractCheckResult {
  /** The working contract's folder. */
  readonly working: string;
  /** The earlier contract, as `git main~1 @ 1a2b3c…` or `folder …`. */
  readonly against: string;
  readonly changes: readonly ContractChange[];
}

const MARK: Readonly<Record<ContractChange['kind'], string>> = {
  'event-type-added': '+',
  'event-type-removed': '-',
  'field-added': '+',
  'required-field-added': '+',
  'field-removed': '-',
  'field-renamed': '~',
  'type-changed': '~',
  'made-required': '~',
  'made-optional': '~',
  'enum-widened': '~',
  'enum-narrowed': '~',
  'enum-reordered': '~',
  'range-widened': '~',
  'range-narrowed': '~',
  'const-changed': '~',
  closed: '~',
  opened: '~',
  'description-changed': '~',
};

const LABEL: Readonly<Record<Compatibility, string>> = {
  compatible: 'compatible',
  conditional: 'conditional',
  breaking: 'BREAKING',
};

function pathOf(change: ContractChange): string {
  return change.path || '(event type)';
}

/** How many changes of each compatibility. */
export function countByCompatibility(changes: readonly ContractChange[]): Record<Compatibility, number> {
  const counts: Record<Compatibility, number> = { compatible: 0, conditional: 0, breaking: 0 };
  for (const change of changes) counts[change.compatibility]++;
  return counts;
}

/**
 * The report for people: one block per event type, one line per change with its mark (`+` added,
 * `-` removed, `~` changed), its compatibility (`compatible`, `conditional`: compatible except for
 * the parties listed under it, `BREAKING`) and what it means, and a summary line.
 */
export function contractCheckText(result: ContractCheckResult): string {
  const lines = [`contract check: ${result.working} against ${result.against}`];
  for (const eventType of EVENT_TYPES) {
    const changes = result.changes.filter((c) => c.eventType === eventType);
    if (changes.length === 0) {
      lines.push(`${eventType}: no change`);
      continue;
    }
    lines.push(`${eventType}:`);
    const width = Math.max(...changes.map((c) => pathOf(c).length));
    for (const change of changes) {
      lines.push(
        `  ${MARK[change.kind]} ${pathOf(change).padEnd(width)}  ${LABEL[change.compatibility].padEnd(11)}  ${change.kind}: ${change.detail}`,
      );
      for (const who of change.notCompatibleFor) lines.push(`      not compatible for ${who}`);
    }
  }
  const counts = countByCompatibility(result.changes);
  lines.push(
    `${result.changes.length} change${result.changes.length === 1 ? '' : 's'}: ${counts.compatible} compatible, ${counts.conditional} conditional (compatible except for the parties named), ${counts.breaking} breaking`,
  );
  return lines.join('\n') + '\n';
}

/** The same report as one JSON document (`--format json`), for CI and tools. */
export function contractCheckJson(result: ContractCheckResult): string {
  return (
    JSON.stringify(
      {
        working: result.working,
        against: result.against,
        summary: countByCompatibility(result.changes),
        changes: result.changes,
      },
      null,
      2,
    ) + '\n'
  );
}
