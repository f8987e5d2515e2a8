import { Option, type Command } from 'commander';
import { commandContext } from '../command-context.js';

/** `shopstream query "<sql>"`: runs SQL against the configured warehouse and prints the result. */
export function register(program: Command): void {
  program
    .command('query')
    .description("run SQL in the warehouse's dialect (DuckDB or BigQuery) and print the result")
    .argument(
      '<sql>',
      'the SQL to run, e.g. "SELECT * FROM daily_sales_by_country ORDER BY sales_date DESC LIMIT 10"',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
    )
    .addHelpText(
      'after',
      '\nViews to start from: `shopstream views`. Bad SQL exits 1 with the engine message.',
    )
    .action(async (sql: string, opts: { format: 'table' | 'json' | 'csv' }, command: Command) => {
      const { config } = commandContext(command);
      const { runQuery } = await import('../../warehouse/run-query.js');
      const { formatQueryResult } = await import('../../warehouse/query-result-format.js');
      process.stdout.write(formatQueryResult(await runQuery(config, sql), opts.format));
    });
}
