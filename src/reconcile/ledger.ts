import type { EventType } from '../contract/event-types.js';
import type { CompiledReconcileOptions } from './reconcile-options.js';
import { bucketLabel, bucketStart } from './time-bucket.js';

/** A ledger row's kind: an event type, or `invalid` for messages the contract rejected outright. */
export type LedgerType = EventType | 'invalid';

/** One event id as one side of the ledger holds it: its type and its time (ms since epoch). */
export interface LedgerEntry {
  readonly type: LedgerType;
  readonly timeMs: number;
}

/** One row of the ledger: one event type in one time bucket. Counts are of distinct event ids. */
export interface ReconcileBucket {
  /** The bucket's start, e.g. `2026-12-03T10:00Z` (by hour) or `2026-12-03` (by day). */
  readonly bucket: string;
  readonly type: LedgerType;
  /** Entered: in the history archive. */
  readonly archived: number;
  /** In the lake's raw files. */
  readonly lake: number;
  /** In the warehouse table. */
  readonly warehouse: number;
  /** In the DLQ (`ingest_errors`). */
  readonly deadLettered: number;
  /** Archived, but neither in the warehouse nor dead-lettered: the pipeline is short. */
  readonly missing: number;
  /** In the warehouse or the DLQ, but not archived: the archive is short. */
  readonly unarchived: number;
  /** In the warehouse, but not in the lake: the lake is short. */
  readonly lakeShort: number;
  /** Both in the warehouse and dead-lettered: counted twice. */
  readonly both: number;
  readonly balanced: boolean;
}

/** The kinds of gap, as the report names them. */
export const GAP_KINDS = ['missing', 'unarchived', 'lakeShort', 'both'] as const;
export type GapKind = (typeof GAP_KINDS)[number];

/** One event id behind a gap. */
export interface GapEvent {
  readonly eventId: string;
  readonly type: LedgerType;
  readonly bucket: string;
}

/** What {@link Ledger.settle} finds. */
export interface ReconcileReport {
  /** The range reconciled: event times in [from, to); `from` null when unbounded. */
  readonly from: string | null;
  readonly to: string;
  readonly by: CompiledReconcileOptions['by'];
  /** True when every bucket balances: archived = warehouse + dead-lettered, and the lake holds the warehouse. */
  readonly balanced: boolean;
  readonly buckets: readonly ReconcileBucket[];
  /** Sums over every bucket, per column. */
  readonly totals: Omit<ReconcileBucket, 'bucket' | 'type' | 'balanced'>;
  /** Dead-lettered event ids in range, by error code (an id dead-lettered under two codes counts under each). */
  readonly deadLetteredByCode: Readonly<Record<string, number>>;
  /** The first `limit` event ids of each kind of gap, and how many there are in all. */
  readonly gaps: Readonly<Record<GapKind, { readonly count: number; readonly first: readonly GapEvent[] }>>;
}

type Counts = { -readonly [K in keyof ReconcileReport['totals']]: number };

const zero = (): Counts => ({
  archived: 0,
  lake: 0,
  warehouse: 0,
  deadLettered: 0,
  missing: 0,
  unarchived: 0,
  lakeShort: 0,
  both: 0,
});

/**
 * The accounting of one range: each side (archive, lake, warehouse, DLQ) records the event ids it
 * holds, each with its type and time; {@link settle} compares them as sets, per type and bucket.
 *
 * A side records only ids whose time is in range; the archive also tells which ids it saw outside
 * it ({@link archivedOutOfRange}), so that a DLQ record, whose own time is when it was published,
 * is matched with the archived message's time and not counted twice at the range's edges.
 */
export class Ledger {
  private readonly archived = new Map<string, LedgerEntry>();
  private readonly archivedElsewhere = new Set<string>();
  private readonly lake = new Map<string, LedgerEntry>();
  private readonly warehouse = new Map<string, LedgerEntry>();
  private readonly deadLettered = new Map<string, { readonly codes: Set<string>; readonly timeMs: number }>();

  constructor(private readonly options: CompiledReconcileOptions) {}

  /** True when `timeMs` is in the range reconciled. */
  inRange(timeMs: number): boolean {
    return timeMs >= this.options.fromMs && timeMs < this.options.toMs;
  }

  recordArchived(eventId: string, entry: LedgerEntry): void {
    if (this.inRange(entry.timeMs)) {
      if (!this.archived.has(eventId)) this.archived.set(eventId, entry);
    } else this.archivedElsewhere.add(eventId);
  }

  /**
   * A line of a raw lake file whose minute overlaps the range; its time is the file's minute, as
   * precise as the lake knows it. It counts in the bucket of the archived or stored event.
   */
  recordLake(eventId: string, entry: LedgerEntry): void {
    if (!this.lake.has(eventId)) this.lake.set(eventId, entry);
  }

  recordWarehouse(eventId: string, entry: LedgerEntry): void {
    if (this.inRange(entry.timeMs) && !this.warehouse.has(eventId)) this.warehouse.set(eventId, entry);
  }

  /** A DLQ record: its time is when the message was published (read wider than the range, see class doc). */
  recordDeadLettered(eventId: string, code: string, publishMs: number): void {
    const known = this.deadLettered.get(eventId);
    if (known) known.codes.add(code);
    else this.deadLettered.set(eventId, { codes: new Set([code]), timeMs: publishMs });
  }

  /** Ids archived outside the range: their DLQ records belong to other buckets. */
  get archivedOutOfRange(): ReadonlySet<string> {
    return this.archivedElsewhere;
  }

  settle(): ReconcileReport {
    const { by, limit, fromMs, toMs } = this.options;
    const rows = new Map<string, { bucket: string; type: LedgerType; counts: Counts }>();
    const row = (entry: LedgerEntry): Counts => {
      const bucket = bucketLabel(bucketStart(entry.timeMs, by), by);
      const key = `${bucket} ${entry.type}`;
      let found = rows.get(key);
      if (!found) rows.set(key, (found = { bucket, type: entry.type, counts: zero() }));
      return found.counts;
    };
    const gaps = {} as Record<GapKind, { count: number; first: GapEvent[] }>;
    for (const kind of GAP_KINDS) gaps[kind] = { count: 0, first: [] };
    const gap = (kind: GapKind, eventId: string, entry: LedgerEntry): void => {
      row(entry)[kind]++;
      const list = gaps[kind];
      list.count++;
      if (list.first.length < limit)
        list.first.push({
          eventId,
          type: entry.type,
          bucket: bucketLabel(bucketStart(entry.timeMs, by), by),
        });
    };

    // A DLQ record takes the archived message's bucket; one never archived keeps its publish time.
    const deadLettered = new Map<string, LedgerEntry>();
    const byCode: Record<string, number> = {};
    for (const [eventId, record] of this.deadLettered) {
      const entry =
        this.archived.get(eventId) ??
        (this.archivedElsewhere.has(eventId) || !this.inRange(record.timeMs)
          ? undefined
          : { type: this.warehouse.get(eventId)?.type ?? 'invalid', timeMs: record.timeMs });
      if (!entry) continue;
      deadLettered.set(eventId, entry);
      for (const code of record.codes) byCode[code] = (byCode[code] ?? 0) + 1;
    }

    for (const entry of this.archived.values()) row(entry).archived++;
    for (const [eventId, own] of this.lake) {
      // Known to no other side, a line counts only when its whole minute is in range.
      const wholeMinuteInRange = this.inRange(own.timeMs) && this.inRange(own.timeMs + 59_999);
      const entry =
        this.archived.get(eventId) ?? this.warehouse.get(eventId) ?? (wholeMinuteInRange ? own : undefined);
      if (entry) row(entry).lake++;
    }
    for (const entry of this.warehouse.values()) row(entry).warehouse++;
    for (const entry of deadLettered.values()) row(entry).deadLettered++;
    for (const [eventId, entry] of this.archived)
      if (!this.warehouse.has(eventId) && !deadLettered.has(eventId)) gap('missing', eventId, entry);
    for (const [eventId, entry] of this.warehouse) {
      if (!this.archived.has(eventId)) gap('unarchived', eventId, entry);
      if (!this.lake.has(eventId)) gap('lakeShort', eventId, entry);
      if (deadLettered.has(eventId)) gap('both', eventId, entry);
    }
    for (const [eventId, entry] of deadLettered)
      if (!this.archived.has(eventId) && !this.warehouse.has(eventId)) gap('unarchived', eventId, entry);

    const buckets = [...rows.values()]
      .sort((a, b) => (a.bucket === b.bucket ? (a.type < b.type ? -1 : 1) : a.bucket < b.bucket ? -1 : 1))
      .map(({ bucket, type, counts }) => ({
        bucket,
        type,
        ...counts,
        balanced: GAP_KINDS.every((kind) => counts[kind] === 0),
      }));
    const totals = zero();
    for (const bucket of buckets)
      for (const key of Object.keys(totals) as (keyof Counts)[]) totals[key] += bucket[key];
    return {
      from: Number.isFinite(fromMs) ? new Date(fromMs).toISOString() : null,
      to: new Date(toMs).toISOString(),
      by,
      balanced: buckets.every((b) => b.balanced),
      buckets,
      totals,
      deadLetteredByCode: Object.fromEntries(Object.entries(byCode).sort(([a], [b]) => (a < b ? -1 : 1))),
      gaps,
    };
  }
}
