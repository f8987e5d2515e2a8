import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr, so stdout stays free for command output (tables, NDJSON, status).
 */
export function createLogger(
  level: string = process.env.SHOPSTREAM_LOG_LEVEL ?? 'info',
  name = 'shopstream',
): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: false }));
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
