import type CliProgress from 'cli-progress';
import { createRequire } from 'node:module';

/**
 * What a {@link ProgressBar} shows of a command's progress value `P` (whatever object the command
 * already keeps: a backfill's BackfillProgress, a generator's tally).
 */
export interface ProgressSpec<P> {
  /** The line's first word, the command: `backfill`. */
  readonly label: string;
  /** How far along, in the unit of `total` (bytes, files, messages). */
  readonly done: (progress: P) => number;
  /** Where `done` ends. Without it (or when it returns undefined) the line has no bar, percentage or ETA. */
  readonly total?: (progress: P) => number | undefined;
  /** The counts after the bar: `files 3/20 | 120,000 records (119,800 ok, 200 DLQ)`. */
  readonly detail: (progress: P) => string;
  /** What the rate counts, per second since the start (default: `done`). */
  readonly rateOf?: (progress: P) => number;
}

/** With a total: a bar, percentage and ETA. Without: the counts, the rate and the time so far. */
const WITH_TOTAL = '{label} [{bar}] {percentage}% | {detail} | {rate}/s | ETA {eta_formatted}';
const WITHOUT_TOTAL = '{label} {detail} | {rate}/s | {duration_formatted}';

interface Payload {
  readonly label: string;
  readonly detail: string;
  readonly rate: string;
  readonly hasTotal: boolean;
}

/**
 * A live progress line on a terminal: `label [bar] 42% | detail | 12,345/s | ETA 30s`, redrawn ten
 * times a second by cli-progress. Made by {@link CommandOutput.progress}, which gives a bar that
 * draws nothing when stderr is not a terminal or `--quiet`/`--json` was given, so a command calls
 * it the same way in every case.
 *
 * Call `update` as often as convenient: it records the value, and redraws at once when the last
 * redraw is older than 200 ms (so a loop that never yields to timers still shows progress). Then
 * `finish` when the work is done, or `stop` when it failed: either ends the redraw timer, which would
 * otherwise keep the process alive.
 */
export class ProgressBar<P> {
  private readonly started = Date.now();
  private readonly bar: CliProgress.SingleBar | undefined;

  constructor(
    private readonly spec: ProgressSpec<P>,
    /** Where to draw; undefined draws nothing. */
    stream: NodeJS.WriteStream | undefined,
  ) {
    if (stream) {
      // Loaded only to draw: every command registers its options at start-up, few draw a bar.
      const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
      this.bar = new cliProgress.SingleBar(
        {
          stream,
          // Payload values are put in as they are: a detail holding braces is not read as a token.
          format: (options, params, payload: Payload) =>
            cliProgress.Format.Formatter(
              { ...options, format: payload.hasTotal ? WITH_TOTAL : WITHOUT_TOTAL },
              params,
              payload,
            ),
          etaBuffer: 50,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  /** Whether anything is drawn. */
  get visible(): boolean {
    return this.bar !== undefined;
  }

  /** Records the latest progress; the next redraw shows it. */
  update(progress: P): void {
    if (!this.bar) return;
    const total = this.spec.total?.(progress);
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const payload: Payload = {
      label: this.spec.label,
      detail: this.spec.detail(progress),
      rate: Math.round((this.spec.rateOf ?? this.spec.done)(progress) / seconds).toLocaleString('en-US'),
      hasTotal: total !== undefined,
    };
    // Without a total the bar's own numbers are unused; 1 keeps cli-progress's arithmetic finite.
    const done = total === undefined ? 0 : this.spec.done(progress);
    if (!this.bar.isActive) this.bar.start(Math.max(1, total ?? 1), done, payload);
    else if (total !== undefined) this.bar.setTotal(Math.max(1, total));
    this.bar.update(done, payload);
  }

  /** Draws the final state (at 100 % when it has a total) and ends the line. */
  finish(progress: P): void {
    if (!this.bar) return;
    this.update(progress);
    const total = this.spec.total?.(progress);
    if (total !== undefined) this.bar.update(Math.max(1, total));
    this.bar.stop();
  }

  /** Ends the line where it is (the work failed or was cut short). Safe to call more than once. */
  stop(): void {
    if (this.bar?.isActive) this.bar.stop();
  }
}
