import type { Lake } from '../lake/lake.js';
import type { DeadLetterRecord } from '../pipeline/dead-letter-record.js';

/** A DLQ record with the lake file it was read from. */
export interface StoredDeadLetter {
  readonly key: string;
  readonly record: DeadLetterRecord;
}

export interface DeadLetterFilter {
  /** Only this error code. */
  readonly code?: string;
  /** Only records ingested at or after this instant. */
  readonly since?: Date;
}

/** Reads DLQ records from the lake's `output/errors/` files, oldest folder first. */
export async function* readDeadLetters(
  lake: Lake,
  filter: DeadLetterFilter = {},
): AsyncIterable<StoredDeadLetter> {
  const since = filter.since?.toISOString();
  for await (const file of lake.list('output/errors/')) {
    if (since && folderMinuteOf(file.key) < since.slice(0, 16)) continue;
    const text = (await lake.readFile(file.key)).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      const record = JSON.parse(line) as DeadLetterRecord;
      if (filter.code && record.error.code !== filter.code) continue;
      if (since && record.ingestion_time < since) continue;
      yield { key: file.key, record };
    }
  }
}

/** `output/errors/2024/05/01/10/07/…` → `2024-05-01T10:07`. */
function folderMinuteOf(key: string): string {
  const [, , y, mo, d, h, mi] = key.split('/');
  return `${y}-${mo}-${d}T${h}:${mi}`;
}
