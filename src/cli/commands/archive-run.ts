import type { Command } from 'commander';
import { commandContext, parseDuration } from '../command-context.js';

/** `shopstream archive run`: the history archiver (the local twin of a Cloud Storage subscription). */
export function register(program: Command): void {
  const archive = program.command('archive').description('the history archive of raw messages');
  archive
    .command('run')
    .description(
      'write every message of the history subscription to events_<time>_<id>.json files in the archive',
    )
    .option('--exit-when-idle', 'exit once the history subscription is drained')
    .option('--idle <duration>', 'with --exit-when-idle: how long without messages counts as idle', '2s')
    .action(async (opts: { exitWhenIdle?: boolean; idle: string }, command: Command) => {
      const { config, logger } = commandContext(command);
      const idleMs = parseDuration('--idle', opts.idle, 1);
      const { runArchiverProcess } = await import('../../archive/run-archiver-process.js');
      const stats = await runArchiverProcess({
        config,
        logger,
        exitWhenIdle: opts.exitWhenIdle === true,
        idleMs,
      });
      process.stdout.write(JSON.stringify(stats) + '\n');
    });
}
