import type { JsonSchema } from '../contract-folder.js';

/** What a value of a field may be, as far as compatibility is concerned. */
export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'enum' | 'const';

/** One field of an event schema, its `$ref`s resolved, with the constraints that decide compatibility. */
export interface ContractField {
  /**
   * Where it is: dotted for objects, `[]` for the elements of an array (`coupon_code`,
   * `shipping_address.city`, `items[].price`, `tags[]` for an array of scalars).
   */
  readonly path: string;
  /** The path of the object (or array element) holding it; '' at the top level. */
  readonly parent: string;
  readonly name: string;
  /** Listed in its object's `required` (elements of an array count as required). */
  readonly required: boolean;
  readonly kind: FieldKind;
  /** `format` and `pattern` of a string. */
  readonly format?: string;
  readonly pattern?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  /** An object's `additionalProperties: false`: it refuses fields it does not name. */
  readonly closed?: boolean;
  readonly description?: string;
}

/** The constraints of a field that bound its values, in the order a report lists them. */
export const BOUNDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
] as const;
export type Bound = (typeof BOUNDS)[number];

/**
 * Every field of an event schema by path, parents before their children, `$ref`s into
 * `common.schema.json` resolved against `common` (so a change to a shared definition shows on every
 * field that uses it). `const` fields (`event_type`) are included: changing one is breaking.
 */
export function contractFields(schema: JsonSchema, common: JsonSchema): Map<string, ContractField> {
  const fields = new Map<string, ContractField>();
  addProperties(schema, '', common, fields);
  return fields;
}

function addProperties(
  object: JsonSchema,
  parent: string,
  common: JsonSchema,
  fields: Map<string, ContractField>,
): void {
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  for (const [name, raw] of Object.entries(properties)) {
    const path = parent === '' ? name : `${parent}.${name}`;
    addField(resolve(raw, common), { path, parent, name, required: required.has(name) }, common, fields);
  }
}

function addField(
  schema: JsonSchema,
  where: Pick<ContractField, 'path' | 'parent' | 'name' | 'required'>,
  common: JsonSchema,
  fields: Map<string, ContractField>,
): void {
  const field: ContractField = { ...where, kind: kindOf(schema), ...constraintsOf(schema) };
  fields.set(field.path, field);
  if (field.kind === 'object') addProperties(schema, field.path, common, fields);
  if (field.kind === 'array' && schema.items) {
    const items = resolve(schema.items as JsonSchema, common);
    const path = `${field.path}[]`;
    if (kindOf(items) === 'object') {
      // An array's element objects: their fields sit under `items[]`, the element itself is no field.
      const element: ContractField = { path, parent: field.path, name: '[]', required: true, kind: 'object' };
      fields.set(path, { ...element, ...constraintsOf(items) });
      addProperties(items, path, common, fields);
    } else addField(items, { path, parent: field.path, name: '[]', required: true }, common, fields);
  }
}

function kindOf(schema: JsonSchema): FieldKind {
  if ('const' in schema) return 'const';
  if (Array.isArray(schema.enum)) return 'enum';
  const type = schema.type;
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return type;
  if (type === 'object' || (type === undefined && schema.properties)) return 'object';
  if (type === 'array') return 'array';
  throw new Error(`contract: no field kind for the schema ${JSON.stringify(schema)}`);
}

function constraintsOf(schema: JsonSchema): Partial<ContractField> {
  const out: Record<string, unknown> = {};
  for (const key of ['format', 'pattern', 'enum', 'const', 'description', ...BOUNDS])
    if (schema[key] !== undefined) out[key] = schema[key];
  if (schema.additionalProperties === false) out.closed = true;
  return out as Partial<ContractField>;
}

/** Merges a `$ref` to `common.schema.json#/$defs/x` with the referring schema (whose keys win). */
function resolve(schema: JsonSchema, common: JsonSchema): JsonSchema {
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const name = /^common\.schema\.json#\/\$defs\/(\w+)$/.exec(ref)?.[1];
  const target = name === undefined ? undefined : (common.$defs as Record<string, JsonSchema>)[name];
  if (!target) throw new Error(`contract: cannot resolve $ref ${ref}`);
  const { $ref: _ref, ...own } = schema;
  return { ...resolve(target, common), ...own };
}
