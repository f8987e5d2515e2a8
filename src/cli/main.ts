import { Command, Option } from 'commander';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ShopstreamError } from '../errors/shopstream-error.js';

/**
 * The `shopstream` CLI. Each file in commands/ registers one command (export `register(program)`),
 * and loads heavy dependencies (SDKs, DuckDB) only inside its action.
 */
export async function buildProgram(): Promise<Command> {
  const program = new Command('shopstream')
    .description('Streaming pipeline for e-commerce events: generate, stream, archive, backfill, query.')
    .showHelpAfterError('(run with --help for usage)')
    .option(
      '-c, --config <file>',
      'JSON config file (default: $SHOPSTREAM_CONFIG or ./shopstream.config.json)',
    )
    .option('--bus <uri>', 'message bus: embedded:<folder> | pubsub:<project>')
    .option('--lake <uri>', 'lake: file:<folder> | gs://<bucket>[/<prefix>]')
    .option('--archive <uri>', 'history archive: file:<folder> | gs://<bucket>[/<prefix>]')
    .option('--warehouse <uri>', 'warehouse: duckdb:<file> | bigquery:<project>.<dataset>')
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    )
    .option(
      '--set <key=value>',
      'set any configuration key, repeatable (see `shopstream config --keys`)',
      (pair: string, previous: string[] = []) => [...previous, pair],
    );
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js)$/.test(f) && !/\.(test|d)\.(ts|js)$/.test(f))
    .sort();
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as {
      register?: (program: Command) => void;
    };
    module.register?.(program);
  }
  return program;
}

/** Prints an error the way every command does: its code, and a message that says how to fix it. */
export function reportError(error: unknown): number {
  if (error instanceof ShopstreamError) {
    process.stderr.write(`shopstream: ${error.code}: ${error.message}\n`);
    return error.code.startsWith('SHOP_E_CONFIG') || error.code === 'SHOP_E_USAGE' ? 2 : 1;
  }
  process.stderr.write(`shopstream: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

const isMain =
  process.argv[1] !== undefined && /(cli[/\\]main\.(ts|js)|bin[/\\]shopstream(\.js)?)$/.test(process.argv[1]);
if (isMain) {
  // `shopstream query … | head` closes stdout early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    const program = await buildProgram();
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
