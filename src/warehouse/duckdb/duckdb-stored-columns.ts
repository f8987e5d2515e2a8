import type { DuckDBConnection } from '@duckdb/node-api';
import { duckDbType } from '../dialects/duckdb-ddl.js';
import type { StoredAs } from '../migration/plan-table-migration.js';
import type { StoredColumn } from '../migration/stored-column.js';

/**
 * Every table's columns as the DuckDB file holds them, from information_schema.columns: nested
 * STRUCTs and lists parsed from the catalog's type text, so a migration sees fields inside `items`
 * and `shipping_address` too. Modes are what DuckDB can say: a list is REPEATED, a top-level column
 * with NOT NULL is REQUIRED, anything else (every field inside a STRUCT) NULLABLE.
 */
export async function readDuckDbColumns(connection: DuckDBConnection): Promise<Map<string, StoredColumn[]>> {
  const reader = await connection.runAndReadAll(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const tables = new Map<string, StoredColumn[]>();
  for (const [table, name, type, nullable] of reader.getRows() as [string, string, string, string][]) {
    const column = columnOf(name, parseDuckDbType(type), nullable === 'NO');
    tables.set(table, [...(tables.get(table) ?? []), column]);
  }
  return tables;
}

/** How the DDL stores a model column in DuckDB: catalog type names, NOT NULL only at the top level. */
export const duckDbStoredAs: StoredAs = (column, nested) => ({
  type: column.type === 'STRUCT' ? 'STRUCT' : catalogType(duckDbType({ ...column, mode: 'NULLABLE' })),
  mode: column.mode === 'REQUIRED' && nested ? 'NULLABLE' : column.mode,
});

/** How DuckDB's catalog spells a type the DDL writes as TIMESTAMPTZ. */
export function catalogType(type: string): string {
  return type.replaceAll('TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE');
}

/** A DuckDB type as the catalog writes it: a name (with its arguments), or a STRUCT, then `[]`s. */
export interface DuckDbTypeTree {
  /** `VARCHAR`, `DECIMAL(38,9)`, `TIMESTAMP WITH TIME ZONE`, or `STRUCT`. */
  readonly name: string;
  readonly fields?: readonly { readonly name: string; readonly type: DuckDbTypeTree }[];
  /** How many list levels wrap it (`X[]` is 1). */
  readonly lists: number;
}

/**
 * Parses a type of information_schema.columns: `STRUCT(product_id VARCHAR, "odd name" BIGINT)[]`,
 * `DECIMAL(38,9)`, `TIMESTAMP WITH TIME ZONE`. Throws on text it does not understand.
 */
export function parseDuckDbType(text: string): DuckDbTypeTree {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`DuckDB type ${JSON.stringify(text)}: ${what} at ${at}`);
  };
  const skipSpaces = (): void => {
    while (text[at] === ' ') at++;
  };
  const identifier = (): string => {
    skipSpaces();
    if (text[at] === '"') {
      let name = '';
      for (at++; at < text.length; at++) {
        if (text[at] !== '"') name += text[at];
        else if (text[at + 1] === '"') name += text[++at];
        else {
          at++;
          return name;
        }
      }
      return fail('an unterminated quoted name');
    }
    const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(at));
    if (!match) return fail('a name expected');
    at += match[0].length;
    return match[0];
  };
  const type = (): DuckDbTypeTree => {
    skipSpaces();
    let tree: Omit<DuckDbTypeTree, 'lists'>;
    if (/^STRUCT\(/i.test(text.slice(at))) {
      at += 'STRUCT('.length;
      const fields: { name: string; type: DuckDbTypeTree }[] = [];
      for (;;) {
        const name = identifier();
        fields.push({ name, type: type() });
        skipSpaces();
        if (text[at] === ',') at++;
        else if (text[at] === ')') break;
        else fail('"," or ")" expected');
      }
      at++;
      tree = { name: 'STRUCT', fields };
    } else {
      // A name of one or more words (TIMESTAMP WITH TIME ZONE), with (arguments) when it has them.
      const match = /^[A-Za-z_][A-Za-z0-9_]*(?: (?:WITH|WITHOUT|TIME|ZONE))*(?:\([0-9, ]*\))?/i.exec(
        text.slice(at),
      );
      if (!match) return fail('a type expected');
      at += match[0].length;
      tree = { name: match[0].toUpperCase() };
    }
    let lists = 0;
    for (; text.slice(at, at + 2) === '[]'; at += 2) lists++;
    return { ...tree, lists };
  };
  const tree = type();
  skipSpaces();
  if (at !== text.length) fail('text after the type');
  return tree;
}

function columnOf(name: string, tree: DuckDbTypeTree, notNull: boolean): StoredColumn {
  const fields = tree.fields?.map((f) => columnOf(f.name, f.type, false));
  const inner = tree.lists > 1 ? `${tree.name}${'[]'.repeat(tree.lists - 1)}` : tree.name;
  return {
    name,
    type: inner,
    mode: tree.lists > 0 ? 'REPEATED' : notNull ? 'REQUIRED' : 'NULLABLE',
    ...(fields ? { fields } : {}),
  };
}
