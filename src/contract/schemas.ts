import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/project-root.js';
import { EVENT_TYPES, type EventType } from './event-types.js';

/** A JSON Schema document as loaded from schemas/. */
export type JsonSchema = Record<string, unknown>;

function load(name: string): JsonSchema {
  return JSON.parse(readFileSync(join(projectRoot(), 'schemas', name), 'utf8')) as JsonSchema;
}

/** schemas/common.schema.json: shared `$defs` (uuid, timestamp). */
export const COMMON_SCHEMA: JsonSchema = load('common.schema.json');

/** The event contract, one JSON Schema per event type: the single source of truth. */
export const EVENT_SCHEMAS: Readonly<Record<EventType, JsonSchema>> = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, load(`${type}.schema.json`)]),
) as Record<EventType, JsonSchema>;
