import { openBus } from '../bus/open-bus.js';
import type { Config } from '../config/settings.js';
import { openLake } from '../lake/open-lake.js';
import { startNativeMemoryTrim } from '../runtime/native-memory-trim.js';
import type { Logger } from '../telemetry/logger.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { HistoryArchiver } from './history-archiver.js';

/** A HistoryArchiver wired from the configuration. */
export function archiverFromConfig(
  config: Config,
  deps: Pick<ConstructorParameters<typeof HistoryArchiver>[0], 'bus' | 'archive' | 'telemetry' | 'logger'>,
): HistoryArchiver {
  return new HistoryArchiver({
    ...deps,
    subscription: config.historySubscription,
    maxDurationMs: config['archive.maxDurationMs'],
    maxBytes: config['archive.maxBytes'],
    maxMessages: config['archive.maxMessages'],
    prefix: config['archive.filenamePrefix'],
    suffix: config['archive.filenameSuffix'],
    datetimeFormat: config['archive.datetimeFormat'],
  });
}

/**
 * `shopstream archive run`: archive until SIGTERM/SIGINT, or with exitWhenIdle until the history
 * subscription has no backlog; then close the open file and exit.
 */
export async function runArchiverProcess(options: {
  config: Config;
  logger: Logger;
  exitWhenIdle: boolean;
  idleMs: number;
}): Promise<HistoryArchiver['stats']> {
  const { config, logger } = options;
  const [bus, archive] = await Promise.all([openBus(config.bus), openLake(config.archive)]);
  await Promise.all([bus.start(), archive.start()]);
  const archiver = archiverFromConfig(config, { bus, archive, telemetry: new Telemetry(), logger });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onSignal = (): void => stop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const stopTrimming = startNativeMemoryTrim({ logger });
  try {
    await archiver.start();
    if (options.exitWhenIdle) {
      // Idle: the backlog is empty, or — on buses that cannot count it — nothing new arrived for
      // idleMs after the subscriber's drainable time (leases a dropped stream took must run out).
      let last = -1;
      let quietSince = Date.now();
      const idle = async (): Promise<void> => {
        for (;;) {
          await new Promise((r) => setTimeout(r, 250));
          let backlog: number | undefined;
          try {
            ({ backlog } = await bus.describeSubscription(config.historySubscription));
          } catch {
            continue; // an unreachable bus proves nothing
          }
          // Deliveries, not written files: messages still arriving into an open file are not idle.
          if (archiver.stats.received !== last) {
            last = archiver.stats.received;
            quietSince = Date.now();
          }
          const quietFor = Date.now() - Math.max(quietSince, archiver.drainableAt());
          if (quietFor >= options.idleMs && (backlog === undefined || backlog === 0)) return;
          // Messages are buffered in an open file: close it so they count.
          if (backlog !== undefined && backlog > 0 && quietFor >= options.idleMs) await archiver.flush();
        }
      };
      await Promise.race([idle(), stopped]);
    } else await stopped;
    await archiver.close();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    stopTrimming();
    await Promise.allSettled([bus.close(), archive.close()]);
  }
  return { ...archiver.stats };
}
