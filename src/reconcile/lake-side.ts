import { EVENT_TYPES, type EventType } from '../contract/event-types.js';
import { eventIdOf } from '../contract/event-id.js';
import type { Lake } from '../lake/lake.js';
import type { Ledger } from './ledger.js';
import type { ReconcileProgressListener } from './reconcile-progress.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** `output/<type>/YYYY/MM/DD/HH/mm/…`: the event minute of a raw lake file. */
const MINUTE_OF_KEY = /^output\/[a-z_]+\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})\//;

/**
 * What the lake holds: the event ids of every line of the raw files of each type, at the minute of
 * their folder (the event's own minute). Only the folders that can hold the range are listed.
 *
 * @param aliases lake line id → event id, for lines the pipeline re-serialized (see readArchive).
 */
export async function readLake(
  lake: Lake,
  ledger: Ledger,
  range: { readonly fromMs: number; readonly toMs: number },
  aliases: ReadonlyMap<string, string>,
  onProgress: ReconcileProgressListener,
): Promise<void> {
  const files: { key: string; type: EventType; minuteMs: number }[] = [];
  for (const type of EVENT_TYPES)
    for (const prefix of lakePrefixes(type, range.fromMs, range.toMs))
      for await (const file of lake.list(prefix)) {
        const m = MINUTE_OF_KEY.exec(file.key);
        if (!m) continue;
        const minuteMs = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
        if (minuteMs + 60_000 > range.fromMs && minuteMs < range.toMs)
          files.push({ key: file.key, type, minuteMs });
      }
  onProgress({ side: 'lake', done: 0, total: files.length });
  for (const [index, { key, type, minuteMs }] of files.entries()) {
    const bytes = await lake.readFile(key);
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      if (end > start) {
        const id = eventIdOf(bytes.subarray(start, end));
        ledger.recordLake(aliases.get(id) ?? id, { type, timeMs: minuteMs });
      }
      start = end + 1;
    }
    onProgress({ side: 'lake', done: index + 1, total: files.length });
  }
}

/**
 * The folder prefixes to list for a range: by hour for up to two days, by day for up to a month,
 * the whole type's folder beyond (or without a lower bound).
 */
export function lakePrefixes(type: EventType, fromMs: number, toMs: number): string[] {
  const root = `output/${type}/`;
  const span = toMs - fromMs;
  if (!Number.isFinite(span) || span > 31 * DAY_MS) return [root];
  const [step, digits] = span <= 2 * DAY_MS ? [HOUR_MS, 13] : [DAY_MS, 10];
  const prefixes: string[] = [];
  for (let t = Math.floor(fromMs / step) * step; t < toMs; t += step) {
    const iso = new Date(t).toISOString().slice(0, digits); // YYYY-MM-DDTHH or YYYY-MM-DD
    prefixes.push(
      `${root}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${digits === 13 ? `${iso.slice(11, 13)}/` : ''}`,
    );
  }
  return prefixes;
}
