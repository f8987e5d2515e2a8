import type { EventType } from '../contract/event-types.js';

/**
 * Where things go in the lake. Folders come from a UTC minute; the event type is always one of the
 * three known types (a typed value, never raw input), so no payload can shape a path.
 *
 *   output/{event_type}/YYYY/MM/DD/HH/mm/{event_type}_{YYYYMMDDHHmm}_{worker}_{seq}.json
 *   output/errors/YYYY/MM/DD/HH/mm/errors_{YYYYMMDDHHmm}_{worker}_{seq}.json
 */
export function minuteOf(isoUtc: string): string {
  // Timestamps are normalized by the contract to `YYYY-MM-DDTHH:mm:ss.sssZ`.
  return isoUtc.slice(0, 16);
}

function folderOf(minute: string): string {
  return `${minute.slice(0, 4)}/${minute.slice(5, 7)}/${minute.slice(8, 10)}/${minute.slice(11, 13)}/${minute.slice(14, 16)}`;
}

function stampOf(minute: string): string {
  return (
    minute.slice(0, 4) +
    minute.slice(5, 7) +
    minute.slice(8, 10) +
    minute.slice(11, 13) +
    minute.slice(14, 16)
  );
}

/** The key of one lake file of events of `type` in `minute` (`YYYY-MM-DDTHH:mm`). */
export function eventFileKey(type: EventType, minute: string, shard: string): string {
  return `output/${type}/${folderOf(minute)}/${type}_${stampOf(minute)}_${shard}.json`;
}

/** The key of one DLQ file, by processing minute. */
export function errorFileKey(minute: string, shard: string): string {
  return `output/errors/${folderOf(minute)}/errors_${stampOf(minute)}_${shard}.json`;
}
