import { Command, Option } from 'commander';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { projectRoot } from '../util/project-root.js';
import { stopWhenOrphaned } from './signals/stop-when-orphaned.js';

/**
 * The `shopstream` CLI. Each file in commands/ registers one command (export `register(program)`),
 * and loads heavy dependencies (SDKs, DuckDB) only inside its action.
 */
export async function buildProgram(): Promise<Command> {
  const program = new Command('shopstream')
    .description('Streaming pipeline for e-commerce events: generate, stream, archive, backfill, query.')
    .showHelpAfterError('(run with --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version of shopstream')
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
    )
    .addHelpText(
      'after',
      '\nA long command shows progress on a terminal and prints a one-line JSON summary when its output is\n' +
        'piped (--json: always; --quiet: no progress). SIGTERM or Ctrl-C stops any command cleanly, also\n' +
        'under npx or npm start. Shell completion: `shopstream completion bash|zsh --help`.',
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

/** The version in package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, arguments), as bin/shopstream.js and
 * `node dist/src/cli/main.js` do; sets `process.exitCode` on failure.
 */
export async function main(argv: readonly string[]): Promise<void> {
  // `shopstream query … | head` closes stdout early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  // Under npx or npm start, a signal to the wrapper may never reach us: stop when it is gone.
  stopWhenOrphaned();
  try {
    const program = await buildProgram();
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

// Run directly (`node dist/src/cli/main.js`, the container image; `tsx src/cli/main.ts`); bin/ calls main().
if (process.argv[1] !== undefined && /cli[/\\]main\.(ts|js)$/.test(process.argv[1])) await main(process.argv);
