import type { Command } from 'commander';
import { SETTINGS, envNameOf } from '../../config/settings.js';
import { commandContext } from '../command-context.js';

/** `shopstream config`: prints the resolved configuration, or every key with its env variable. */
export function register(program: Command): void {
  program
    .command('config')
    .description('print the resolved configuration (flags > env > config file > defaults)')
    .option('--keys', 'list every key with its environment variable, default and meaning')
    .action((opts: { keys?: boolean }, command: Command) => {
      if (opts.keys) {
        for (const [key, s] of Object.entries(SETTINGS))
          process.stdout.write(`${key}\t${envNameOf(key)}\t${JSON.stringify(s.default)}\t${s.description}\n`);
        return;
      }
      process.stdout.write(JSON.stringify(commandContext(command).config, null, 2) + '\n');
    });
}
