import { EVENT_TYPES } from '../contract/event-types.js';
import type { LivePoint, LiveSnapshot } from '../dashboard/live-stats.js';

/** Health as `/healthz` reports it: failing sinks by name, and which of them are blocked, with the code. */
export interface StatusHealth {
  readonly healthy: boolean;
  readonly failing?: Readonly<Record<string, string>>;
  readonly blocked?: Readonly<Record<string, { readonly code: string }>>;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const sum = (o: Readonly<Record<string, number>>): number => Object.values(o).reduce((a, b) => a + b, 0);
const shortCode = (code: string): string => code.replace(/^SHOP_E_/, '');

/** `520 ms`, `1.04 s`, `–`. */
export function formatMs(value: number | null): string {
  if (value === null) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

/** `42s`, `3m05s`, `1h02m`. */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** Events per second over recent points (per-second counts jump with each one-second flush). */
function ratePerSecond(points: readonly LivePoint[], pick: (p: LivePoint) => number): number {
  return points.length === 0 ? 0 : points.reduce((a, p) => a + pick(p), 0) / points.length;
}

function healthText(health: StatusHealth): string {
  if (health.healthy) return 'healthy';
  const failing = Object.entries(health.failing ?? {});
  return failing.length === 0
    ? 'starting'
    : `FAILING ${failing
        .map(([sink, why]) => {
          const blocked = health.blocked?.[sink];
          return blocked ? `${sink} BLOCKED (${shortCode(blocked.code)}): ${why}` : `${sink}: ${why}`;
        })
        .join('; ')}`;
}

/**
 * The compact live status `shopstream up` redraws in place on a terminal: generated and processed by
 * type, DLQ by code, backlog and latency, and health. `recent` are the last few seconds, for rates.
 */
export function statusLines(
  snapshot: LiveSnapshot,
  recent: readonly LivePoint[],
  health: StatusHealth,
): string[] {
  const { point, totals } = snapshot;
  const inRate = ratePerSecond(recent, (p) => sum(p.generated));
  const outRate = ratePerSecond(recent, (p) => sum(p.processed) + sum(p.dlq));
  const byType = (counts: Readonly<Record<string, number>>): string =>
    EVENT_TYPES.map((t) => `${t} ${int.format(counts[t] ?? 0)}`).join(' · ');
  const codes = Object.entries(totals.dlq).sort((a, b) => b[1] - a[1]);
  const shownCodes = codes.slice(0, 3).map(([c, n]) => `${shortCode(c)} ${int.format(n)}`);
  if (codes.length > 3) shownCodes.push(`+${codes.length - 3} more codes`);
  return [
    `  ${new Date(point.t).toISOString().slice(11, 19)} UTC · up ${formatUptime(point.t - snapshot.startedAt)} · ${healthText(health)} · ${int.format(inRate)}/s in, ${int.format(outRate)}/s out`,
    `  generated ${int.format(sum(totals.generated))}: ${byType(totals.generated)} · invalid ${int.format(totals.generated.invalid)}`,
    `  processed ${int.format(sum(totals.processed))}: ${byType(totals.processed)}`,
    `  DLQ ${int.format(sum(totals.dlq))}${codes.length === 0 ? '' : `: ${shownCodes.join(' · ')}`}`,
    `  backlog ${point.backlog === null ? '–' : int.format(point.backlog)} · latency p50 ${formatMs(point.p50Ms)} · p99 ${formatMs(point.p99Ms)}`,
  ];
}

/** The same as one plain line, for logs and pipes (no terminal). */
export function plainStatusLine(snapshot: LiveSnapshot, health: StatusHealth): string {
  const { point, totals } = snapshot;
  return [
    `up ${formatUptime(point.t - snapshot.startedAt)}:`,
    `generated ${sum(totals.generated)} (invalid ${totals.generated.invalid}),`,
    `processed ${sum(totals.processed)} (${EVENT_TYPES.map((t) => `${t} ${totals.processed[t]}`).join(', ')}),`,
    `dlq ${sum(totals.dlq)},`,
    `backlog ${point.backlog ?? '-'},`,
    `p50 ${formatMs(point.p50Ms)}, p99 ${formatMs(point.p99Ms)},`,
    healthText(health),
  ].join(' ');
}

/** Where the status goes: a terminal (redrawn in place) or anything else (a plain line now and then). */
export interface StatusOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Prints the status: on a terminal it redraws the same few lines every second (cut to the terminal's
 * width so nothing wraps); otherwise it prints one plain line every `plainEveryMs`.
 */
export class StatusPrinter {
  private drawn = 0;
  private lastPlain = 0;
  private stopped = false;

  constructor(
    private readonly out: StatusOutput,
    private readonly plainEveryMs = 5_000,
  ) {}

  update(snapshot: LiveSnapshot, recent: readonly LivePoint[], health: StatusHealth): void {
    if (this.stopped) return;
    if (this.out.isTTY) {
      // A pseudo-terminal may report 0 columns: then assume a wide one.
      const width = Math.max(40, (this.out.columns || 120) - 1);
      const lines = statusLines(snapshot, recent, health).map((l) =>
        l.length > width ? l.slice(0, width - 1) + '…' : l,
      );
      // Up to the first line drawn last time, clear to the end of the screen, draw again.
      const rewind = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
      this.out.write(rewind + lines.join('\n') + '\n');
      this.drawn = lines.length;
    } else if (snapshot.point.t - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = snapshot.point.t;
      this.out.write(plainStatusLine(snapshot, health) + '\n');
    }
  }

  /** No more status: what follows is the shutdown's own lines. */
  stop(): void {
    this.stopped = true;
  }

  /** Text printed after the status (so the next redraw does not erase it). */
  print(text: string): void {
    this.drawn = 0;
    this.out.write(text);
  }
}
