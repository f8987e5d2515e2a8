import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../util/project-root.js';
import { EVENT_TYPES, type EventType } from './event-types.js';

/** A JSON Schema document as loaded from schemas/. */
export type JsonSchema = Record<string, unknown>;

/** The whole event contract: the shared definitions and one JSON Schema per event type. */
export interface Contract {
  /** common.schema.json: the shared `$defs` (uuid, timestamp, ip_address). */
  readonly common: JsonSchema;
  /** `<type>.schema.json` per event type; undefined where the folder has none. */
  readonly events: Readonly<Record<EventType, JsonSchema | undefined>>;
}

/**
 * The environment variable that points shopstream at another contract folder than the project's
 * `schemas/`: to try a schema change on a scratch warehouse before committing it, and for tests that
 * evolve a copy of the contract. Every part of one process reads the same folder (validators, the
 * warehouse model, the generated files), so set it for the whole command.
 */
export const SCHEMAS_ENV = 'SHOPSTREAM_SCHEMAS';

/** The folder the working contract is read from: `$SHOPSTREAM_SCHEMAS`, else `<project>/schemas`. */
export function contractFolder(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const chosen = env[SCHEMAS_ENV];
  return chosen ? resolve(chosen) : join(projectRoot(), 'schemas');
}

/**
 * Reads a contract from files named as in schemas/ (`common.schema.json`, `order.schema.json`, …),
 * through `read`, which answers a file's text or undefined when it does not exist. A file that is not
 * JSON throws, naming it.
 */
export function readContract(where: string, read: (name: string) => string | undefined): Contract {
  const parse = (name: string): JsonSchema | undefined => {
    const text = read(name);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as JsonSchema;
    } catch (error) {
      throw new Error(`${where}/${name} is not JSON: ${(error as Error).message}`);
    }
  };
  const common = parse('common.schema.json');
  if (!common) throw new Error(`${where} has no common.schema.json: it is not a shopstream contract folder`);
  const events = Object.fromEntries(EVENT_TYPES.map((type) => [type, parse(`${type}.schema.json`)]));
  return { common, events: events as Record<EventType, JsonSchema | undefined> };
}

/** Reads the contract in a folder of schema files. */
export function readContractFolder(folder: string): Contract {
  return readContract(folder, (name) => {
    const path = join(folder, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  });
}
