import type { ContractFailure } from '../contract/contract-failure.js';
import { EVENT_TYPES, type EventType } from '../contract/event-types.js';
import type { AcceptedMessage, MessageChecker } from '../contract/message-checker.js';
import { ndjson } from '../warehouse/ndjson.js';
import type { EncodedRows, RowEncoder } from '../warehouse/row-encoding.js';
import { EVENT_TABLES, TABLE_OF_TYPE, rowOf, type EventTableName } from '../warehouse/rows.js';
import { minuteOf } from './lake-layout.js';
import { eventTimeOf } from '../contract/event-time.js';
import { EncodedRowsBuilder } from './encoded-rows-builder.js';
import { NdjsonBuilder } from './ndjson-builder.js';
import type { PackedMessages } from './packed-messages.js';

/** One raw lake file's content: the accepted events of one type and minute, one per line. */
export interface LakeFileContent {
  readonly eventType: EventType;
  readonly minute: string;
  /** NDJSON as UTF-8, ending with a newline. */
  readonly bytes: Uint8Array;
  readonly records: number;
}

/** One table's rows, in the encoding the warehouse asked for (Warehouse.rowEncoding). */
export type TableRows = NdjsonTableRows | EncodedTableRows;

/** One table's rows as NDJSON (UTF-8), every column but `ingestion_time` (the warehouse stamps it). */
export interface NdjsonTableRows {
  readonly table: EventTableName;
  readonly ndjson: Uint8Array;
  readonly rows: number;
}

/** One table's rows as the warehouse's row encoder serialized them, `ingestion_time` left to stamp. */
export interface EncodedTableRows {
  readonly table: EventTableName;
  readonly encoded: EncodedRows;
  readonly rows: number;
}

/**
 * What the sinks need from a batch, made from its bytes alone: the outcome of every message, the lake
 * files, the warehouse rows, and the reasons for the rejected. Plain data, so a worker thread can make it.
 */
export interface PreparedBatch {
  /** Per message, in order: 1 + its event type's index in EVENT_TYPES when accepted, 0 when rejected. */
  readonly outcomes: Uint8Array;
  readonly lakeFiles: readonly LakeFileContent[];
  readonly tables: readonly TableRows[];
  readonly rejected: readonly { readonly index: number; readonly failure: ContractFailure }[];
  /** Fields beyond the contract's, counted per event type (they stay in the lake, not in rows). */
  readonly unknownFields: Readonly<Record<EventType, number>>;
}

/** The event type of an outcome code, or undefined when the message was rejected. */
export function eventTypeOfOutcome(outcome: number): EventType | undefined {
  return outcome === 0 ? undefined : EVENT_TYPES[outcome - 1];
}

/**
 * Checks every message against the contract and lays out what each sink will write. Lake files are
 * grouped by the event's own minute; rows by table. Payloads go into them as bytes, so an event is
 * never encoded again on its way to the sinks. Rows are NDJSON, or what `rowEncoder` (the
 * warehouse's, see RowEncoding) makes of them.
 */
export function prepareBatch(
  checker: MessageChecker,
  packed: PackedMessages,
  rowEncoder?: RowEncoder,
): PreparedBatch {
  const count = packed.publishTimes.length;
  const outcomes = new Uint8Array(count);
  const lake = new Map<string, { eventType: EventType; minute: string; file: NdjsonBuilder }>();
  const rows: Record<EventTableName, NdjsonBuilder> = {
    orders: new NdjsonBuilder(),
    inventory: new NdjsonBuilder(),
    user_activity: new NdjsonBuilder(),
  };
  const encoded = rowEncoder && new EncodedRowsBuilder(rowEncoder);
  const rejected: { index: number; failure: ContractFailure }[] = [];
  const unknownFields: Record<EventType, number> = { order: 0, inventory: 0, user_activity: 0 };
  const publishTimeText = isoTextCache();
  for (let i = 0; i < count; i++) {
    const bytes = packed.bytes.subarray(packed.offsets[i], packed.offsets[i + 1]);
    const checked = checker.check(bytes);
    if (!checked.ok) {
      rejected.push({ index: i, failure: checked.failure });
      continue;
    }
    outcomes[i] = EVENT_TYPES.indexOf(checked.eventType) + 1;
    unknownFields[checked.eventType] += checked.unknownFields;
    const minute = minuteOf(eventTimeOf(checked.event));
    const key = checked.eventType + minute;
    let group = lake.get(key);
    if (!group) lake.set(key, (group = { eventType: checked.eventType, minute, file: new NdjsonBuilder() }));
    group.file.addLine(checked.lineIsPayload ? bytes : checked.line);
    const table = TABLE_OF_TYPE[checked.eventType];
    const publishTime = publishTimeText(packed.publishTimes[i]!);
    if (encoded) encoded.add(table, rowOf(checked, publishTime, ''));
    else addRow(rows[table], checked, bytes, publishTime);
  }
  return {
    outcomes,
    lakeFiles: [...lake.values()].map(({ eventType, minute, file }) => ({
      eventType,
      minute,
      bytes: file.toBytes(),
      records: file.lines,
    })),
    tables: encoded
      ? encoded.finish()
      : EVENT_TABLES.filter((table) => rows[table].lines > 0).map((table) => ({
          table,
          ndjson: rows[table].toBytes(),
          rows: rows[table].lines,
        })),
    rejected,
    unknownFields,
  };
}

/** The buffers of a prepared batch, to transfer it to another thread without copying them. */
export function transferablesOfPrepared(prepared: PreparedBatch): ArrayBuffer[] {
  return [
    prepared.outcomes.buffer,
    ...prepared.lakeFiles.map((f) => f.bytes.buffer),
    ...prepared.tables.flatMap((t) =>
      'encoded' in t ? [t.encoded.bytes.buffer, t.encoded.offsets.buffer] : [t.ndjson.buffer],
    ),
  ] as ArrayBuffer[];
}

/** ms → ISO text, remembering the last one: messages of a batch were mostly published in the same ms. */
function isoTextCache(): (ms: number) => string {
  let lastMs = NaN;
  let lastText = '';
  return (ms) => {
    if (ms !== lastMs) [lastMs, lastText] = [ms, new Date(ms).toISOString()];
    return lastText;
  };
}

/**
 * Adds the event's row. Where the message's own line holds exactly the row's fields (see
 * AcceptedMessage.lineIsRow) it is reused with the ingest columns spliced in front, which saves
 * building and serializing a row object per event; otherwise the row is serialized (lone surrogates
 * becoming U+FFFD, which a warehouse's UTF-8 can store).
 */
function addRow(rows: NdjsonBuilder, checked: AcceptedMessage, bytes: Uint8Array, publishTime: string): void {
  if (checked.lineIsRow) {
    const prefix = `{"event_id":"${checked.eventId}","publish_time":"${publishTime}",`;
    rows.addLine(checked.lineIsPayload ? bytes.subarray(1) : checked.line.slice(1), prefix);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { ingestion_time, ...fields } = rowOf(checked, publishTime, '');
  rows.addLine(ndjson([fields]));
}
