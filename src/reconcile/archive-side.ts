import { eventIdOf } from '../contract/event-id.js';
import { eventTimeOf } from '../contract/event-time.js';
import type { MessageChecker } from '../contract/message-checker.js';
import { timeOfArchiveFile } from '../archive/archive-file-name.js';
import type { BackfillFile, BackfillSource } from '../archive/sources/backfill-source.js';
import type { Ledger } from './ledger.js';
import type { ReconcileProgressListener } from './reconcile-progress.js';

/**
 * What entered: every message of the history archive, checked against the contract as the pipeline
 * checks it. An accepted event is recorded at its own time; a rejected message (it has no trusted
 * time) at the time in its archive file's name, which is when the archiver opened the file.
 *
 * Files named before `fromMs` are skipped (an archive file holds what arrived after its time, and
 * an event arrives after its own time, less the producer's clock skew); a file whose name carries no
 * time is always read. Empty lines count: an archive writes an empty message as one.
 *
 * @returns aliases: for the rare payload the lake holds re-serialized (raw newlines between its
 *   tokens), the id of the lake's line → the event's id.
 */
export async function readArchive(
  source: BackfillSource,
  checker: MessageChecker,
  ledger: Ledger,
  fromMs: number,
  onProgress: ReconcileProgressListener,
): Promise<Map<string, string>> {
  const aliases = new Map<string, string>();
  const files: { file: BackfillFile; timeMs: number }[] = [];
  for await (const file of source.listFiles()) {
    const timeMs = archiveFileTime(file.uri);
    if (!(timeMs < fromMs)) files.push({ file, timeMs });
  }
  onProgress({ side: 'archive', done: 0, total: files.length });
  for (const [index, { file, timeMs }] of files.entries()) {
    for await (const line of source.openLines(file, { keepEmptyLines: true })) {
      const checked = checker.check(line);
      if (!checked.ok) {
        ledger.recordArchived(eventIdOf(line), { type: 'invalid', timeMs });
        continue;
      }
      ledger.recordArchived(checked.eventId, {
        type: checked.eventType,
        timeMs: Date.parse(eventTimeOf(checked.event)),
      });
      if (!checked.lineIsPayload) aliases.set(eventIdOf(Buffer.from(checked.line, 'utf8')), checked.eventId);
    }
    onProgress({ side: 'archive', done: index + 1, total: files.length });
  }
  return aliases;
}

/**
 * The time in an archive file's name, ms since the epoch (NaN without one). Read from the name, not
 * the folders above it, which may hold digits of their own; with the `YYYY-MM-DD/hh_mm_ssZ` format a
 * Cloud Storage subscription offers, the date is the name's own folder
 * (`events_2026-12-03/10_07_00Z_<id>.json`), so that one is read too.
 */
export function archiveFileTime(uri: string): number {
  const [name = '', folder = ''] = uri.split('/').reverse();
  return (timeOfArchiveFile(name) ?? timeOfArchiveFile(`${folder}/${name}`))?.getTime() ?? Number.NaN;
}
