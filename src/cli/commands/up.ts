import type { Command } from 'commander';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { commandContext, parseDuration, parsePositiveInt } from '../command-context.js';
import { addTrafficOptions, exitTwoOnUsageErrors, parseTimeScale } from './generate.js';

interface UpFlags {
  rate: string;
  invalidRatio: string;
  port: string;
  host: string;
  duration?: string;
  data: string;
  profile?: string;
  timeScale?: string;
}

/**
 * `shopstream up` (what `npm start` runs): the whole system on this machine in one process, with a
 * live dashboard. See src/up/run-up.ts.
 */
export function register(program: Command): void {
  const up = program
    .command('up')
    .description(
      'run everything locally in one process: generator, pipeline, history archiver, and a live dashboard',
    )
    .option('--rate <events/s>', 'generated events per second', '200')
    .option('--invalid-ratio <share>', 'share of deliberately invalid messages, 0-1', '0.02')
    .option('--port <port>', 'dashboard port (0: any free port)', '8080')
    .option('--host <host>', 'dashboard address (127.0.0.1: this machine only)', '127.0.0.1')
    .option('--duration <duration>', 'stop by itself after this long (30s, 10m); default: until Ctrl-C')
    .option('--data <dir>', 'folder for the bus, lake, archive and warehouse (unless configured)', './data');
  addTrafficOptions(up);
  // Unknown or incomplete flags are usage errors: exit 2 naming the flag, like every other usage error.
  exitTwoOnUsageErrors(up);
  up.action(async (flags: UpFlags, command: Command) => {
    const { compileUpOptions, configUnderDataFolder } = await import('../../up/up-options.js');
    const options = compileUpOptions({
      rate: parseNumber('--rate', flags.rate),
      invalidRatio: parseNumber('--invalid-ratio', flags.invalidRatio),
      port: flags.port === '0' ? 0 : parsePositiveInt('--port', flags.port, 65_535),
      host: flags.host,
      durationMs: flags.duration === undefined ? undefined : parseDuration('--duration', flags.duration),
      dataDir: flags.data,
      profile: flags.profile,
      timeScale: flags.timeScale === undefined ? undefined : parseTimeScale(flags.timeScale),
    });
    const context = commandContext(command);
    const config = configUnderDataFolder(context.config, options.dataDir);
    const { upLogger } = await import('../../up/up-logger.js');
    const { logger, logsTo } = upLogger(config.logLevel, options.dataDir, process.stdout.isTTY === true);
    const { runUp } = await import('../../up/run-up.js');
    await runUp({ ...options, config, logger, logsTo, out: process.stdout });
    logger.flush();
  });
}

function parseNumber(flag: string, raw: string): number {
  const n = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(n)) throw new ShopstreamError('SHOP_E_USAGE', `${flag} ${raw}: expected a number`);
  return n;
}
