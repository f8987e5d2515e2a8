import { join } from 'node:path';
import pino from 'pino';
import { createLogger, type Logger } from '../telemetry/logger.js';

/**
 * The logger of `shopstream up`. On a terminal the live status is redrawn in place, so log lines would
 * tear it: they go to `<data>/up.log` instead. Without a terminal (CI, a pipe, a service) they stay on
 * stderr like every command's.
 */
export function upLogger(
  level: string,
  dataDir: string,
  terminal: boolean,
): { logger: Logger; logsTo: string } {
  if (!terminal) return { logger: createLogger(level), logsTo: 'stderr (JSON lines)' };
  const file = join(dataDir, 'up.log');
  const logger = pino(
    { name: 'shopstream', level, base: { pid: process.pid } },
    pino.destination({ dest: file, mkdir: true, sync: false }),
  );
  return { logger, logsTo: `${file} (JSON lines)` };
}
