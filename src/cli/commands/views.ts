import { Option, type Command } from 'commander';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { commandContext, parsePositiveInt } from '../command-context.js';

/** `shopstream views [name]`: lists the analytical views, or shows the first rows of one. */
export function register(program: Command): void {
  program
    .command('views')
    .description('list the warehouse views with what they answer, or show the first rows of one')
    .argument('[name]', 'a view to show, e.g. daily_sales_by_country')
    .option('--limit <n>', 'rows to show', '20')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
    )
    .action(
      async (
        name: string | undefined,
        opts: { limit: string; format: 'table' | 'json' | 'csv' },
        command: Command,
      ) => {
        const limit = parsePositiveInt('--limit', opts.limit, 1_000_000);
        const { VIEWS, viewNamed } = await import('../../warehouse/model/views.js');
        const { formatQueryResult } = await import('../../warehouse/query-result-format.js');
        if (name === undefined) {
          // The listing is for reading: descriptions stay whole rather than cut at a table column's width.
          process.stdout.write(
            opts.format === 'table'
              ? VIEWS.map((v) => `${v.name.padEnd(24)} ${v.description}`).join('\n') + '\n'
              : formatQueryResult(
                  {
                    columns: ['view', 'description'],
                    rows: VIEWS.map((v) => ({ view: v.name, description: v.description })),
                  },
                  opts.format,
                ),
          );
          return;
        }
        const view = viewNamed(name);
        if (!view)
          throw new ShopstreamError(
            'SHOP_E_USAGE',
            `views: no view named "${name}"; the views are: ${VIEWS.map((v) => v.name).join(', ')}`,
          );
        const { config } = commandContext(command);
        const { runQuery } = await import('../../warehouse/run-query.js');
        process.stdout.write(
          formatQueryResult(await runQuery(config, `SELECT * FROM ${view.name} LIMIT ${limit}`), opts.format),
        );
      },
    );
}
