import { COMMON_SCHEMA, type JsonSchema } from '../../contract/schemas.js';
import type { Column, ColumnType } from './table-model.js';

/**
 * Derives warehouse columns from an event's JSON Schema, so the contract stays the single source of
 * names, nesting, nullability and descriptions:
 *
 * - `string` → STRING, but `format: date-time` → TIMESTAMP; `integer` → INT64; `boolean` → BOOL;
 *   `enum` → STRING (its values live in a ref_ enumeration table);
 * - `number` → NUMERIC: every number in the contract is an amount of money, and NUMERIC keeps decimal
 *   amounts exact where FLOAT64 would not;
 * - `object` → STRUCT of its properties; `array` → REPEATED of its items;
 * - a property listed in `required` → REQUIRED (arrays are REPEATED, which BigQuery never makes NULL);
 * - `const` properties (`event_type`) are dropped: the table already says the type.
 *
 * `$ref`s into common.schema.json are resolved; the property's own description wins over the
 * definition's. `fallbackDescriptions` (by dotted path) covers properties the contract leaves
 * undescribed; a property with neither is an error, so every column is documented.
 */
export function columnsFromSchema(
  schema: JsonSchema,
  fallbackDescriptions: Readonly<Record<string, string>> = {},
): Column[] {
  return objectFields(schema, '', fallbackDescriptions);
}

function objectFields(
  schema: JsonSchema,
  prefix: string,
  fallbacks: Readonly<Record<string, string>>,
): Column[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const columns: Column[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const property = resolve(raw);
    if ('const' in property) continue;
    const path = prefix + name;
    const description = (property.description as string | undefined) ?? fallbacks[path];
    if (!description)
      throw new Error(`warehouse model: ${path} has no description in the schema or the model`);
    if (property.type === 'array') {
      const items = resolve(property.items as JsonSchema);
      columns.push({
        name,
        mode: 'REPEATED',
        description,
        ...typeOf(items, `${path}.`, fallbacks),
      });
    } else {
      columns.push({
        name,
        mode: required.has(name) ? 'REQUIRED' : 'NULLABLE',
        description,
        ...typeOf(property, `${path}.`, fallbacks),
      });
    }
  }
  return columns;
}

function typeOf(
  schema: JsonSchema,
  prefix: string,
  fallbacks: Readonly<Record<string, string>>,
): { type: ColumnType; fields?: Column[] } {
  if (schema.type === 'object') return { type: 'STRUCT', fields: objectFields(schema, prefix, fallbacks) };
  if (Array.isArray(schema.enum)) return { type: 'STRING' };
  switch (schema.type) {
    case 'string':
      return { type: schema.format === 'date-time' ? 'TIMESTAMP' : 'STRING' };
    case 'integer':
      return { type: 'INT64' };
    case 'number':
      return { type: 'NUMERIC' };
    case 'boolean':
      return { type: 'BOOL' };
    default:
      throw new Error(`warehouse model: no column type for JSON Schema ${JSON.stringify(schema)}`);
  }
}

/** Merges a `$ref` to common.schema.json#/$defs/x with the referring property (which wins). */
function resolve(schema: JsonSchema): JsonSchema {
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const name = /^common\.schema\.json#\/\$defs\/(\w+)$/.exec(ref)?.[1];
  const defs = COMMON_SCHEMA.$defs as Record<string, JsonSchema>;
  const target = name === undefined ? undefined : defs[name];
  if (!target) throw new Error(`warehouse model: cannot resolve $ref ${ref}`);
  const { $ref: _ref, ...own } = schema;
  return { ...target, ...own };
}

/** The values of an enum property at a dotted path of an event schema (`metadata.platform`). */
export function enumValues(schema: JsonSchema, path: string): string[] {
  let node: JsonSchema = schema;
  for (const part of path.split('.')) {
    const next = (node.properties as Record<string, JsonSchema> | undefined)?.[part];
    if (!next) throw new Error(`warehouse model: no property ${path} in ${String(schema.title)}`);
    node = resolve(next);
  }
  if (!Array.isArray(node.enum))
    throw new Error(`warehouse model: ${path} of ${String(schema.title)} is not an enum`);
  return node.enum as string[];
}
