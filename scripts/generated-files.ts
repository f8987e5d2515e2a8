/**
 * Every file that is generated from a single source of truth (the JSON Schemas, the warehouse model)
 * and committed. `npm run gen` writes them; test/generated-files.test.ts fails when one drifts.
 * To add a generated file, add a generator here.
 */
import { compile } from 'json-schema-to-typescript';
import { COMMON_SCHEMA, EVENT_SCHEMAS } from '../src/contract/schemas.js';
import { EVENT_TYPES } from '../src/contract/event-types.js';
import { SETTINGS, envNameOf } from '../src/config/settings.js';
import { warehouseFiles } from '../src/warehouse/dialects/warehouse-files.js';

export interface GeneratedFile {
  /** Path relative to the project root. */
  readonly path: string;
  readonly content: string;
}

export type Generator = () => Promise<GeneratedFile[]> | GeneratedFile[];

async function eventTypes(): Promise<GeneratedFile[]> {
  const parts: string[] = [];
  for (const type of EVENT_TYPES) {
    const schema = structuredClone(EVENT_SCHEMAS[type]);
    // Inline the shared $defs so the compiler needs no file resolution.
    const text = JSON.stringify(schema).replaceAll('common.schema.json#/$defs/', '#/$defs/');
    const inlined = { ...JSON.parse(text), $defs: COMMON_SCHEMA.$defs };
    const ts = await compile(inlined, String(schema.title), {
      bannerComment: '',
      additionalProperties: false,
      declareExternallyReferenced: true,
      format: false,
      strictIndexSignatures: true,
    });
    parts.push(ts);
  }
  // Shared $defs compile to the same aliases in every part; keep the first declaration of each.
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const block of parts.join('\n').split(/\n(?=export |\/\*\*)/)) {
    const name = /^(?:\/\*\*[\s\S]*?\*\/\n)?export (?:type|interface) (\w+)/.exec(block)?.[1];
    if (name && seen.has(name)) continue;
    if (name) seen.add(name);
    lines.push(block.trimEnd());
  }
  const content =
    '// Generated from schemas/*.schema.json by `npm run gen`. Do not edit: change the schema instead.\n\n' +
    lines.join('\n') +
    '\n';
  return [{ path: 'src/contract/event-types.generated.ts', content }];
}

/** docs/configuration.md: every setting with its environment variable, default and meaning. */
function configurationDoc(): GeneratedFile[] {
  const rows = Object.entries(SETTINGS).map(
    ([key, s]) =>
      `| \`${key}\` | \`${envNameOf(key)}\` | \`${JSON.stringify(s.default)}\` | ${s.description} |`,
  );
  const content = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/settings.ts by `npm run gen`. Do not edit. -->',
    '',
    'One typed, validated configuration. Each key is resolved, highest first, from: a command-line flag',
    '(`--bus`, `--lake`, `--archive`, `--warehouse`, `--log-level`, or `--set key=value` for any key); the',
    'environment variable; the JSON config file (`--config FILE`, else `$SHOPSTREAM_CONFIG`, else',
    '`./shopstream.config.json` when it exists; nested objects flatten to dotted keys); the default.',
    'An unknown key or a bad value in any of them stops the command with exit code 2 and a message that',
    'names the key, where it came from, and what is expected. `shopstream config` prints the result.',
    '',
    'Two environment variables are not settings: `SHOPSTREAM_CONFIG` (the config file) and',
    '`SHOPSTREAM_SCHEMAS`, a folder holding another copy of the event contract than `schemas/`, read',
    'once when the process starts (to try a contract change, see docs/schema-evolution.md).',
    '',
    '| key | environment | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  return [{ path: 'docs/configuration.md', content }];
}

/** All generators, in the order they run. */
export const GENERATORS: Generator[] = [eventTypes, configurationDoc, warehouseFiles];

export async function generatedFiles(): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const generate of GENERATORS) files.push(...(await generate()));
  return files;
}
