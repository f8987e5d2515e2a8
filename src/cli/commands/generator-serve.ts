import type { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { commandContext, parsePositiveInt } from '../command-context.js';
import { addTrafficOptions, exitTwoOnUsageErrors, parseTimeScale } from './generate.js';

interface ServeFlags {
  port: string;
  host: string;
  seed?: string;
  invalidRatio?: string;
  maxCount?: string;
  profile?: string;
  timeScale?: string;
}

/**
 * `shopstream generator serve`: the publish_trigger HTTP function on a local port, the same handler
 * the Cloud Function deploys. Binds 127.0.0.1 unless told otherwise.
 *
 *   shopstream generator serve --port 8080
 *   curl 'http://127.0.0.1:8080/publish_trigger?count=100'
 *   shopstream generator serve --profile shop --time-scale 60
 */
export function register(program: Command): void {
  const generator = program.command('generator').description('the event generator as an HTTP service');
  const serve = generator
    .command('serve')
    .description('serve GET|POST /publish_trigger?count=N, publishing to the configured bus and topic')
    .option('--port <p>', 'port to listen on (0: any free port)', '8080')
    .option('--host <h>', 'address to bind', '127.0.0.1')
    .option('--seed <s>', 'seed of the traffic (default: random)')
    .option('--invalid-ratio <x>', 'share of deliberately invalid messages, 0 to 1 (default 0)')
    .option('--max-count <n>', 'largest count one request may ask for (default: generator.maxTriggerCount)');
  addTrafficOptions(serve);
  serve.action(async (flags: ServeFlags, cmd: Command) => {
    const { config, logger } = commandContext(cmd);
    const port = parsePort(flags.port);
    const seed = flags.seed === undefined ? randomInt(2 ** 31 - 1) : parseSeed(flags.seed);
    const invalidRatio = flags.invalidRatio === undefined ? 0 : parseRatio(flags.invalidRatio);
    const maxCount =
      flags.maxCount === undefined
        ? config['generator.maxTriggerCount']
        : parsePositiveInt('--max-count', flags.maxCount, 10_000_000);
    const timeScale = flags.timeScale === undefined ? undefined : parseTimeScale(flags.timeScale);

    const [{ openBus }, { createPublishTrigger }, universeModule, generatorModule, { chooseTraffic }] =
      await Promise.all([
        import('../../bus/open-bus.js'),
        import('../../generator/publish-trigger.js'),
        import('../../generator/reference-universe.js'),
        import('../../generator/traffic-generator.js'),
        import('../../generator/traffic-choice.js'),
      ]);
    // A bad profile file fails before the bus is opened or the port taken.
    const traffic = chooseTraffic(config, { profile: flags.profile, timeScale }, true);
    const bus = await openBus(config.bus);
    await bus.start();
    const handler = createPublishTrigger({
      bus,
      topic: config.topic,
      generator: new generatorModule.TrafficGenerator({
        seed,
        universe: universeModule.buildReferenceUniverse({ seed: config.seed }),
        invalidRatio,
        clock: 'wall',
        start: new Date(),
        profile: traffic.profile,
        timeScale: traffic.timeScale,
      }),
      maxCount,
      logger,
    });
    const server = createServer((req, res) => void handler(req, res));
    server.listen(port, flags.host);
    try {
      await once(server, 'listening');
    } catch (error) {
      await bus.close();
      throw new ShopstreamError(
        'SHOP_E_USAGE',
        `cannot listen on ${flags.host}:${port}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    const host = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
    // Listen for the signals before saying where it listens: a caller may stop it as soon as it reads
    // the line, and a SIGTERM that arrived before the handler would kill the process uncleanly.
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // Finish requests in flight, then release the bus.
        server.close(() => resolve());
        server.closeIdleConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    process.stdout.write(
      `publish_trigger listening on http://${host}:${actual}/publish_trigger?count=N → ${config.bus} topic ${config.topic} (profile ${traffic.profileName}${traffic.timeScale === 1 ? '' : `, time scale ${traffic.timeScale}`})\n`,
    );
    await stopped;
    await bus.close();
  });
  exitTwoOnUsageErrors(serve);
}

function parsePort(raw: string): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ShopstreamError('SHOP_E_USAGE', `--port ${raw}: expected a port number from 0 to 65535`);
  return n;
}

function parseSeed(raw: string): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1)
    throw new ShopstreamError('SHOP_E_USAGE', `--seed ${raw}: expected a whole number from 0 to 2147483647`);
  return n;
}

function parseRatio(raw: string): number {
  const n = /^(0|1|0?\.\d+|1\.0*)$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= 1))
    throw new ShopstreamError(
      'SHOP_E_USAGE',
      `--invalid-ratio ${raw}: expected a share from 0 to 1, such as 0.05`,
    );
  return n;
}
