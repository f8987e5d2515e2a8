/** Options of {@link stopWhenOrphaned}. */
export interface StopWhenOrphanedOptions {
  /** How often to look at the parent process id. Default 250 ms: a syscall, nothing more. */
  readonly everyMs?: number;
  /** Told once the parent is gone, before the signal is raised. Default: a line on stderr. */
  readonly onOrphaned?: (parentPid: number) => void;
}

/**
 * Stops this process the way a SIGTERM does once the process that started it is gone.
 *
 * `npx shopstream …` and `npm start` run shopstream under `sh -c`, and Debian's sh (dash) does not
 * exec the command: npm forwards a SIGTERM or SIGINT to that shell only, the shell dies, npm exits
 * with the signal, and shopstream would go on running, re-parented and unseen, with its files open.
 * Within a quarter of a second it notices such a change of parent (Linux and macOS re-parent an orphan to
 * init or a subreaper), and raises SIGTERM on itself, so the command's own SIGTERM handler drains and
 * closes as it would for a signal sent to it directly; a command without one ends as SIGTERM ends it.
 *
 * A process whose parent is init already (a container's entry point) has nothing to watch. The timer
 * does not keep the process alive. Returns a function that stops watching.
 *
 * @example
 * // src/cli/main.ts, before the command runs:
 * stopWhenOrphaned();
 */
export function stopWhenOrphaned(options: StopWhenOrphanedOptions = {}): () => void {
  const parent = process.ppid;
  if (parent <= 1) return () => {};
  const onOrphaned =
    options.onOrphaned ??
    ((pid: number) => {
      // Whoever read stderr may have gone with the parent: a failed write must not crash the drain.
      process.stderr.on('error', () => {});
      process.stderr.write(
        `shopstream: parent process ${pid} is gone (npx or npm stopped?); stopping cleanly\n`,
      );
    });
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned(parent);
    process.kill(process.pid, 'SIGTERM');
  }, options.everyMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
