import { EVENT_TYPES, isEventType } from '../contract/event-types.js';
import type { UnknownFieldObserver } from '../contract/evolution/unknown-field-observer.js';
import { readDeadLetters } from '../dlq/dead-letter-reader.js';
import { payloadBytesOf } from '../pipeline/dead-letter-record.js';
import type { Lake } from './lake.js';

/** Options of {@link observeLakeTraffic}. */
export interface ObserveLakeTrafficOptions {
  /** Only lake folders of this minute or later (event time for events, ingestion time for the DLQ). */
  readonly since?: Date;
  /** At most this many events per type, from the newest files back. */
  readonly maxEventsPerType: number;
}

/**
 * Shows an observer what the lake holds: the accepted events of each type, whose lines keep every
 * field a producer sent (also those the contract does not name), newest files first; and the DLQ
 * records refused for an enum value (SHOP_E_FIELD_ENUM). Resolves to the number of files read.
 */
export async function observeLakeTraffic(
  lake: Lake,
  observer: UnknownFieldObserver,
  options: ObserveLakeTrafficOptions,
): Promise<{ eventFiles: number; deadLetters: number }> {
  const since = options.since?.toISOString().slice(0, 16);
  let eventFiles = 0;
  for (const type of EVENT_TYPES) {
    const keys: string[] = [];
    for await (const file of lake.list(`output/${type}/`))
      if (!since || minuteOfKey(file.key) >= since) keys.push(file.key);
    let read = 0;
    for (const key of keys.reverse()) {
      if (read >= options.maxEventsPerType) break;
      eventFiles++;
      for (const line of (await lake.readFile(key)).toString('utf8').split('\n')) {
        if (line.length === 0 || read >= options.maxEventsPerType) continue;
        observer.observeEvent(type, JSON.parse(line) as Record<string, unknown>);
        read++;
      }
    }
  }
  let deadLetters = 0;
  for await (const { record } of readDeadLetters(lake, { code: 'SHOP_E_FIELD_ENUM', since: options.since })) {
    let payload: unknown;
    try {
      payload = JSON.parse(payloadBytesOf(record).toString('utf8'));
    } catch {
      continue;
    }
    const type = (payload as { event_type?: unknown }).event_type;
    if (!isEventType(type)) continue;
    observer.observeRejectedEnum(type, record.error.path, payload);
    deadLetters++;
  }
  return { eventFiles, deadLetters };
}

/** `output/order/2024/05/01/10/07/…` → `2024-05-01T10:07`. */
function minuteOfKey(key: string): string {
  const [, , y, mo, d, h, mi] = key.split('/');
  return `${y}-${mo}-${d}T${h}:${mi}`;
}
