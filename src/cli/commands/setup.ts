import type { Command } from 'commander';
import { commandContext } from '../command-context.js';

/**
 * `shopstream setup`: creates everything the configured targets need, idempotently — the bus topology,
 * the lake root, and the warehouse tables, views and ref_ data (from the seeded reference universe).
 */
export function register(program: Command): void {
  program
    .command('setup')
    .description('create the bus topology, the lake, and the warehouse model with its ref_ data (idempotent)')
    .option('--skip-bus', 'leave the bus alone')
    .option('--skip-warehouse', 'leave the warehouse alone')
    .action(async (opts: { skipBus?: boolean; skipWarehouse?: boolean }, command: Command) => {
      const { config, logger } = commandContext(command);
      const { setupAll } = await import('../../setup/setup-all.js');
      const summary = await setupAll(config, logger, { bus: !opts.skipBus, warehouse: !opts.skipWarehouse });
      process.stdout.write(summary.map((line) => `${line}\n`).join(''));
    });
}
