import { contractFolder, readContractFolder, type JsonSchema } from './contract-folder.js';
import { EVENT_TYPES, type EventType } from './event-types.js';

export type { JsonSchema } from './contract-folder.js';

/** The working contract: schemas/ (or `$SHOPSTREAM_SCHEMAS`, see contract-folder.ts), read once. */
const WORKING = readContractFolder(contractFolder());

/** schemas/common.schema.json: shared `$defs` (uuid, timestamp). */
export const COMMON_SCHEMA: JsonSchema = WORKING.common;

/** The event contract, one JSON Schema per event type: the single source of truth. */
export const EVENT_SCHEMAS: Readonly<Record<EventType, JsonSchema>> = Object.fromEntries(
  EVENT_TYPES.map((type) => {
    const schema = WORKING.events[type];
    if (!schema) throw new Error(`the contract in ${contractFolder()} has no ${type}.schema.json`);
    return [type, schema];
  }),
) as Record<EventType, JsonSchema>;
