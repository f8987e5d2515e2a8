import { parse } from '@cdktf/hcl2json';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One `resource "<type>" "<name>" { … }` block, as @cdktf/hcl2json renders it (blocks are arrays). */
export interface ResourceBlock {
  readonly type: string;
  readonly name: string;
  readonly body: Block;
}

/** A parsed block: attributes are values or `${…}` expression strings, nested blocks are arrays. */
export type Block = Record<string, unknown>;

/** Every top-level block of a Terraform module, merged across its .tf files. */
export interface TerraformConfig {
  readonly dir: string;
  readonly files: readonly string[];
  readonly resources: readonly ResourceBlock[];
  readonly data: readonly ResourceBlock[];
  readonly variables: Readonly<Record<string, Block>>;
  readonly locals: Readonly<Record<string, unknown>>;
  readonly providers: Readonly<Record<string, Block>>;
}

/**
 * Parses every .tf file of a module with HashiCorp's own HCL parser (compiled to wasm, so it works
 * offline and without providers) and merges the blocks, so tests can assert on the configuration.
 */
export async function loadTerraformConfig(dir: string): Promise<TerraformConfig> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  const resources: ResourceBlock[] = [];
  const data: ResourceBlock[] = [];
  const variables: Record<string, Block> = {};
  const locals: Record<string, unknown> = {};
  const providers: Record<string, Block> = {};
  for (const file of files) {
    const parsed = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Record<string, unknown>;
    for (const [kind, into] of [
      ['resource', resources],
      ['data', data],
    ] as const) {
      const byType = (parsed[kind] ?? {}) as Record<string, Record<string, Block[]>>;
      for (const [type, byName] of Object.entries(byType))
        for (const [name, [body]] of Object.entries(byName)) into.push({ type, name, body: body! });
    }
    for (const [name, [body]] of Object.entries((parsed.variable ?? {}) as Record<string, Block[]>))
      variables[name] = body!;
    for (const block of (parsed.locals ?? []) as Block[]) Object.assign(locals, block);
    for (const [name, [body]] of Object.entries((parsed.provider ?? {}) as Record<string, Block[]>))
      providers[name] = body!;
  }
  return { dir, files, resources, data, variables, locals, providers };
}

/** The resource `<type>.<name>`; throws when the module does not declare it. */
export function resourceOf(config: TerraformConfig, type: string, name: string): Block {
  const found = config.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no resource ${type}.${name} in ${config.dir}`);
  return found.body;
}

export function resourcesOfType(config: TerraformConfig, type: string): ResourceBlock[] {
  return config.resources.filter((r) => r.type === type);
}

/** The single nested block `name` of a block (`cloud_storage_config { … }`). */
export function blockOf(body: Block, name: string): Block {
  const value = body[name];
  if (!Array.isArray(value) || value.length !== 1) throw new Error(`expected one "${name}" block`);
  return value[0] as Block;
}

/** A value as written, or the default of the variable when the value is exactly `${var.<name>}`. */
export function valueOf(config: TerraformConfig, value: unknown): unknown {
  const variable = typeof value === 'string' ? /^\$\{var\.(\w+)\}$/.exec(value)?.[1] : undefined;
  if (variable === undefined) return value;
  const declared = config.variables[variable];
  if (!declared) throw new Error(`undeclared variable ${variable}`);
  return declared.default;
}

/** Every string anywhere inside a value, with the path that leads to it. */
export function stringsIn(value: unknown, path = ''): { path: string; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringsIn(v, path ? `${path}.${k}` : k));
  return [];
}
