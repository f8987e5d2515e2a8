import { EVENT_TYPES } from '../event-types.js';
import type { ContractSuggestion } from './contract-suggestion.js';

/** Where the observations came from, for the report's first line. */
export interface SuggestSource {
  readonly lake: string;
  readonly eventFiles: number;
  readonly deadLetters: number;
  /** shopstream_unknown_fields_total by event type, from a running pipeline's /metrics, when asked. */
  readonly unknownFieldsMetric?: Readonly<Record<string, number>>;
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The suggestion for people: what was read, each field beyond the contract with how often it
 * appeared, its observed types and samples, each refused enum value; then the schema additions to
 * paste, file by file.
 */
export function contractSuggestText(suggestion: ContractSuggestion, source: SuggestSource): string {
  const read = EVENT_TYPES.map((t) => `${count(suggestion.eventsRead[t])} ${t}`).join(', ');
  const lines = [
    `contract suggest: read ${read} events (${count(source.eventFiles)} files) and ${count(source.deadLetters)} SHOP_E_FIELD_ENUM dead letters from ${source.lake}`,
  ];
  if (source.unknownFieldsMetric)
    lines.push(
      `  running pipeline: shopstream_unknown_fields_total ${
        Object.entries(source.unknownFieldsMetric)
          .map(([type, n]) => `${type} ${count(n)}`)
          .join(', ') || '0'
      }`,
    );
  if (suggestion.fields.length === 0 && suggestion.enums.length === 0) {
    lines.push('Every field and value seen is in the contract: nothing to suggest.');
    return lines.join('\n') + '\n';
  }
  for (const type of EVENT_TYPES) {
    const fields = suggestion.fields.filter((f) => f.eventType === type);
    const enums = suggestion.enums.filter((e) => e.eventType === type);
    if (fields.length === 0 && enums.length === 0) continue;
    lines.push(`${type}:`);
    const width = Math.max(...fields.map((f) => f.path.length), 0);
    for (const f of fields) {
      const share = f.ofEvents > 0 ? ((100 * f.events) / f.ofEvents).toFixed(1) : '0';
      const types = Object.entries(f.types)
        .map(([t, n]) => `${t} ×${count(n)}`)
        .join(', ');
      lines.push(
        `  + ${f.path.padEnd(width)}  in ${count(f.events)} of ${count(f.ofEvents)} events (${share}%); ${types}; e.g. ${f.samples.join(', ')}`,
      );
      for (const note of f.notes) lines.push(`      note: ${note}`);
    }
    for (const e of enums)
      lines.push(
        `  ~ ${e.path}: dead-lettered for values not in its enum: ${e.values.map((v) => `${JSON.stringify(v.value)} ×${count(v.events)}`).join(', ')}`,
      );
  }
  lines.push(
    '',
    'Proposed additions (optional fields, so `shopstream contract check` calls them compatible):',
  );
  for (const f of suggestion.fields.filter((s) => s.schema)) {
    const name = f.path.split('.').pop()!.replace('[]', '');
    lines.push(
      `  schemas/${f.file}, in ${f.under}:`,
      `    ${JSON.stringify(name)}: ${JSON.stringify(f.schema)}`,
    );
  }
  for (const e of suggestion.enums)
    lines.push(
      `  schemas/${e.file}, ${e.under}: add ${e.values.map((v) => JSON.stringify(v.value)).join(', ')} (a widened enum: \`contract check\` says for whom it is not compatible)`,
    );
  lines.push(
    'Then write the descriptions, run `shopstream contract check`, `npm run gen` and `shopstream setup` (docs/schema-evolution.md).',
  );
  return lines.join('\n') + '\n';
}
