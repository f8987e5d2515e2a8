import { Option } from 'commander';
import { ProgressBar, type ProgressSpec } from './progress-bar.js';

/** The output flags a long command takes ({@link quietOption}, {@link jsonOption}). */
export interface OutputFlags {
  /** No progress and no human-readable summary; errors and warnings still go to stderr. */
  readonly quiet?: boolean;
  /** The summary as one JSON line, also on a terminal; no progress, no human-readable summary. */
  readonly json?: boolean;
}

/** Where a {@link CommandOutput} writes; the process's own streams unless a test passes others. */
export interface OutputStreams {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/**
 * `--quiet` and `--json`, with the same words on every command: add both to a long command's chain.
 *
 * @example
 * program.command('reconcile').description('…').addOption(quietOption()).addOption(jsonOption()).action(…);
 */
export function quietOption(): Option {
  return new Option('-q, --quiet', 'no progress and no summary line on stderr (errors still show)');
}

/** See {@link quietOption}. */
export function jsonOption(): Option {
  return new Option(
    '--json',
    'print the summary as one JSON line on stdout, also on a terminal; no progress',
  );
}

/**
 * How every long command (`backfill`, `dlq replay`, `generate --count`, `reconcile`) talks to the
 * user, one rule for all:
 *
 * - while it works: a live progress bar on stderr, when stderr is a terminal and neither `--quiet`
 *   nor `--json` was given; nothing otherwise (a pipe, a log file, CI);
 * - at the end, the human-readable summary: one line on stderr, unless `--quiet` or `--json`;
 * - the machine-readable summary: one JSON line on stdout when stdout is not a terminal (piped into
 *   `jq`, captured by a script) or with `--json`. A command whose stdout carries data (`generate
 *   --out -`) says so with `stdoutIsData`, and the JSON line goes to stderr, with `--json` only.
 *
 * @example
 * // In a command's action (the command has .addOption(quietOption()).addOption(jsonOption())):
 * const output = new CommandOutput(opts); // opts: { quiet?, json? } from commander
 * const bar = output.progress({
 *   label: 'reconcile',
 *   done: (p: { buckets: number; bucketsTotal: number }) => p.buckets,
 *   total: (p) => p.bucketsTotal,
 *   detail: (p) => `buckets ${p.buckets}/${p.bucketsTotal}`,
 * });
 * try {
 *   const result = await reconcile({ onProgress: (p) => bar.update(p) });
 *   bar.finish(result);
 *   output.summary(result, `reconcile: ${result.buckets} buckets, ${result.mismatches} mismatched`);
 * } finally {
 *   bar.stop(); // a failed run must not leave the redraw timer running
 * }
 */
export class CommandOutput {
  private readonly flags: OutputFlags;
  private readonly streams: OutputStreams;
  private readonly stdoutIsData: boolean;

  constructor(
    flags: OutputFlags = {},
    options: { readonly streams?: OutputStreams; readonly stdoutIsData?: boolean } = {},
  ) {
    this.flags = flags;
    this.streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
    this.stdoutIsData = options.stdoutIsData ?? false;
  }

  /** Whether a progress bar is drawn: stderr is a terminal, and no `--quiet` or `--json`. */
  get showsProgress(): boolean {
    return this.streams.stderr.isTTY === true && !this.flags.quiet && !this.flags.json;
  }

  /** A progress bar, drawn on stderr when {@link showsProgress}, else one that draws nothing. */
  progress<P>(spec: ProgressSpec<P>): ProgressBar<P> {
    return new ProgressBar(spec, this.showsProgress ? this.streams.stderr : undefined);
  }

  /** A line for the person watching (stderr), unless `--quiet` or `--json`: a notice, a warning. */
  note(line: string): void {
    if (!this.flags.quiet && !this.flags.json) this.streams.stderr.write(`${line}\n`);
  }

  /**
   * The end of the command: `human` (one line, no newline needed) for a person on stderr, and
   * `result` as one JSON line where a program reads it (see the class's rule).
   */
  summary(result: object, human: string): void {
    this.note(human);
    const json = JSON.stringify(result) + '\n';
    if (this.stdoutIsData) {
      if (this.flags.json) this.streams.stderr.write(json);
    } else if (this.flags.json || this.streams.stdout.isTTY !== true) this.streams.stdout.write(json);
  }
}
