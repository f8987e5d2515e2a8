import type { Command } from 'commander';
import { commandContext } from '../command-context.js';

/**
 * `shopstream setup`: creates everything the configured targets need, idempotently — the bus topology,
 * the lake root, and the warehouse tables, views and ref_ data (from the seeded reference universe) —
 * and migrates a warehouse made by an earlier contract: new columns are added, views re-created; a
 * breaking change is refused. `--dry-run` prints the warehouse statements and changes nothing.
 */
export function register(program: Command): void {
  program
    .command('setup')
    .description(
      'create the bus topology, the lake, and the warehouse model with its ref_ data, migrating an existing warehouse (idempotent)',
    )
    .option('--skip-bus', 'leave the bus alone')
    .option('--skip-warehouse', 'leave the warehouse alone')
    .option(
      '--dry-run',
      'print the statements the warehouse migration would run (ALTER TABLE … ADD COLUMN, views, …); change nothing',
    )
    .addHelpText(
      'after',
      `
Migrations: after a compatible contract change (a new optional field, nested ones included) and
\`npm run gen\`, setup adds the new columns to existing tables without touching their rows
(DuckDB: ALTER TABLE … ADD COLUMN; BigQuery: ALTER TABLE … ADD COLUMN, and tables.patch for fields
inside a RECORD), then re-creates the views. It only ever adds: a removed, renamed, retyped or newly
required column is refused (SHOP_E_WAREHOUSE_BREAKING_CHANGE) before anything changes, with the
columns named and the ways forward. See docs/schema-evolution.md.`,
    )
    .action(
      async (opts: { skipBus?: boolean; skipWarehouse?: boolean; dryRun?: boolean }, command: Command) => {
        const { config, logger } = commandContext(command);
        const { setupAll } = await import('../../setup/setup-all.js');
        const summary = await setupAll(config, logger, {
          bus: !opts.skipBus,
          warehouse: !opts.skipWarehouse,
          dryRun: opts.dryRun === true,
        });
        process.stdout.write(summary.map((line) => `${line}\n`).join(''));
      },
    );
}
