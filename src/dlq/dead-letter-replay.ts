import { randomUUID } from 'node:crypto';
import type { MessageBus } from '../bus/message-bus.js';
import { eventIdOf } from '../contract/event-id.js';
import type { Lake } from '../lake/lake.js';
import { payloadBytesOf } from '../pipeline/dead-letter-record.js';
import { readDeadLetters, type DeadLetterFilter } from './dead-letter-reader.js';
import type { DeadLetterRecord } from '../pipeline/dead-letter-record.js';

/**
 * A fix module's function: from the bad payload (parsed JSON when it parses, else the text) to a
 * corrected payload (an object is serialized as JSON), or null to leave the record alone.
 */
export type DeadLetterFix = (payload: unknown, record: DeadLetterRecord) => unknown;

export interface ReplayOptions extends DeadLetterFilter {
  readonly lake: Lake;
  readonly bus: MessageBus;
  readonly topic: string;
  readonly fix?: DeadLetterFix;
  readonly limit?: number;
  /** Replay records that an earlier replay already re-published. */
  readonly force?: boolean;
  /** Count what would be replayed, publish nothing. */
  readonly dryRun?: boolean;
  /** Told after each record read, with the counts so far (the same object; read, do not keep). */
  readonly onProgress?: (progress: ReplayResult) => void;
  /** Stops reading: what was replayed so far is published and recorded in the ledger. */
  readonly signal?: AbortSignal;
}

export interface ReplayResult {
  replayed: number;
  skippedByFix: number;
  alreadyReplayed: number;
}

/** Where replay runs record what they re-published, so a second run does not publish it again. */
const LEDGER_PREFIX = 'dlq-replays/';

/**
 * Re-publishes DLQ records to the topic, optionally through a fix, with attributes that link each new
 * message to its original (`shopstream_replay_of` = original message id, `shopstream_replay_event_id`,
 * `shopstream_replay_code`). A ledger in the lake keeps a second run from publishing the same record
 * again; and should a run be cut between publish and ledger, the same fix yields the same bytes, so
 * the same event_id, which the views count once.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const done = options.force ? new Set<string>() : await readLedger(options.lake);
  const result: ReplayResult = { replayed: 0, skippedByFix: 0, alreadyReplayed: 0 };
  const ledger: string[] = [];
  let pending: { data: Buffer; attributes: Record<string, string> }[] = [];
  const publish = async (): Promise<void> => {
    if (pending.length === 0 || options.dryRun) return;
    await options.bus.publish(options.topic, pending);
    pending = [];
  };
  for await (const { record } of readDeadLetters(options.lake, options)) {
    if (options.limit !== undefined && result.replayed >= options.limit) break;
    if (options.signal?.aborted) break;
    options.onProgress?.(result);
    if (done.has(record.event_id)) {
      result.alreadyReplayed++;
      continue;
    }
    done.add(record.event_id);
    let data = payloadBytesOf(record);
    if (options.fix) {
      const fixed = await options.fix(parsedOrText(data), record);
      if (fixed === null || fixed === undefined) {
        result.skippedByFix++;
        continue;
      }
      data = Buffer.isBuffer(fixed)
        ? fixed
        : Buffer.from(typeof fixed === 'string' ? fixed : JSON.stringify(fixed), 'utf8');
    }
    if (!options.dryRun)
      pending.push({
        data,
        attributes: {
          ...record.attributes,
          shopstream_replay_of: record.message_id,
          shopstream_replay_event_id: record.event_id,
          shopstream_replay_code: record.error.code,
        },
      });
    ledger.push(
      JSON.stringify({
        event_id: record.event_id,
        message_id: record.message_id,
        replayed_event_id: eventIdOf(data),
      }),
    );
    result.replayed++;
    if (pending.length >= 500) await publish();
  }
  await publish();
  if (!options.dryRun && ledger.length > 0) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    await options.lake.writeFile(
      `${LEDGER_PREFIX}replayed_${stamp}_${randomUUID()}.json`,
      ledger.join('\n') + '\n',
    );
  }
  return result;
}

async function readLedger(lake: Lake): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const file of lake.list(LEDGER_PREFIX)) {
    for (const line of (await lake.readFile(file.key)).toString('utf8').split('\n')) {
      if (line) ids.add((JSON.parse(line) as { event_id: string }).event_id);
    }
  }
  return ids;
}

function parsedOrText(data: Buffer): unknown {
  const text = data.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
