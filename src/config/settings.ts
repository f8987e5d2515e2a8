import {
  DEFAULT_TRAFFIC_PROFILE_NAME,
  TRAFFIC_PROFILE_CHOICES,
  isTrafficProfileFile,
  isTrafficProfileName,
} from '../generator/traffic-profiles.js';

/**
 * Every configuration key shopstream knows: its type, default, environment variable and meaning.
 * The one table behind config files, environment, flags and docs/configuration.md.
 */

/** Parses a raw value (string from env/flags, or JSON from the file); returns an error text on failure. */
type Parse<T> = (raw: unknown) => { value: T } | { error: string };

export interface Setting<T> {
  readonly default: T;
  readonly parse: Parse<T>;
  readonly description: string;
}

const uri =
  (schemes: string[], hint: string): Parse<string> =>
  (raw) => {
    if (typeof raw !== 'string' || raw.length === 0) return { error: `expected a URI such as ${hint}` };
    const scheme = /^([a-z][a-z0-9+]*):/.exec(raw)?.[1];
    if (!scheme || !schemes.includes(scheme)) return { error: `"${raw}" is not one of ${hint}` };
    if (raw.length <= scheme.length + 1 || raw === `${scheme}://`)
      return { error: `"${raw}" names no target; expected ${hint}` };
    return { value: raw };
  };

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parse<number> =>
  (raw) => {
    const n =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
          ? Number(raw)
          : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      return { error: `expected a whole number from ${min} to ${max}` };
    return { value: n };
  };

const name: Parse<string> = (raw) =>
  typeof raw === 'string' && /^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/.test(raw)
    ? { value: raw }
    : {
        error: 'expected a Pub/Sub resource name: 3-255 letters, digits, - . _ ~ % +, starting with a letter',
      };

const oneOf =
  <T extends string>(values: readonly T[]): Parse<T> =>
  (raw) =>
    typeof raw === 'string' && (values as readonly string[]).includes(raw)
      ? { value: raw as T }
      : { error: `expected one of: ${values.join(', ')}` };

const decimal =
  (min: number, max: number): Parse<number> =>
  (raw) => {
    const n =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim())
          ? Number(raw)
          : NaN;
    if (!Number.isFinite(n) || n < min || n > max)
      return { error: `expected a number from ${min} to ${max}` };
    return { value: n };
  };

const trafficProfile: Parse<string> = (raw) =>
  typeof raw === 'string' && (isTrafficProfileName(raw) || isTrafficProfileFile(raw))
    ? { value: raw }
    : { error: `expected ${TRAFFIC_PROFILE_CHOICES}` };

const timestamp: Parse<string> = (raw) =>
  typeof raw === 'string' &&
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw) &&
  !Number.isNaN(Date.parse(raw))
    ? { value: raw }
    : { error: 'expected an RFC 3339 date-time with an offset, such as 2000-01-01T00:00:00Z' };

export const SETTINGS = {
  bus: {
    default: 'embedded:./data/bus',
    parse: uri(['embedded', 'pubsub'], 'embedded:<folder> or pubsub:<project-id>'),
    description: 'The message bus. pubsub: honours PUBSUB_EMULATOR_HOST.',
  },
  lake: {
    default: 'file:./data/lake',
    parse: uri(['file', 'gs'], 'file:<folder> or gs://<bucket>[/<prefix>]'),
    description: 'Where raw events and DLQ records are written (output/…).',
  },
  archive: {
    default: 'file:./data/backup',
    parse: uri(['file', 'gs'], 'file:<folder> or gs://<bucket>[/<prefix>]'),
    description: 'Where the history archive writes raw message files (events_….json).',
  },
  warehouse: {
    default: 'duckdb:./data/warehouse.duckdb',
    parse: uri(['duckdb', 'bigquery'], 'duckdb:<file> or bigquery:<project>.<dataset>'),
    description: 'The warehouse that receives rows and answers queries.',
  },
  topic: { default: 'backend-events-topic', parse: name, description: 'Topic the generator publishes to.' },
  subscription: {
    default: 'backend-events-topic-sub',
    parse: name,
    description: 'Subscription the pipeline reads.',
  },
  historySubscription: {
    default: 'backend-events-history-sub',
    parse: name,
    description: 'Subscription the history archiver reads.',
  },
  deadLetterTopic: {
    default: 'backend-events-dead-letter',
    parse: name,
    description: 'Topic that receives messages after maxDeliveryAttempts failed deliveries.',
  },
  deadLetterSubscription: {
    default: 'backend-events-dead-letter-sub',
    parse: name,
    description: 'Subscription on the dead-letter topic, for inspection.',
  },
  maxDeliveryAttempts: {
    default: 5,
    parse: integer(5, 100),
    description: 'Deliveries before a message is dead-lettered (Pub/Sub allows 5-100).',
  },
  ackDeadlineSeconds: {
    default: 60,
    parse: integer(10, 600),
    description: 'Ack deadline of the subscriptions.',
  },
  logLevel: {
    default: 'info',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    description: 'pino log level.',
  },
  'contract.minTimestamp': {
    default: '2000-01-01T00:00:00Z',
    parse: timestamp,
    description: 'Earliest plausible event time.',
  },
  'contract.maxFutureMs': {
    default: 86_400_000,
    parse: integer(0),
    description: 'How far past now an event time may be, in ms.',
  },
  'contract.maxMessageBytes': {
    default: 1024 * 1024,
    parse: integer(1),
    description: 'Largest accepted message, in bytes.',
  },
  'pipeline.maxOutstandingMessages': {
    default: 20_000,
    parse: integer(1),
    description: 'Flow control: messages held unacked at once.',
  },
  'pipeline.maxOutstandingBytes': {
    default: 64 * 1024 * 1024,
    parse: integer(1024),
    description: 'Flow control: bytes held unacked at once.',
  },
  'pipeline.flushMaxAgeMs': {
    default: 1_000,
    parse: integer(1),
    description: 'A buffered lake file and warehouse batch is flushed at the latest after this long.',
  },
  'pipeline.flushMaxBytes': {
    default: 16 * 1024 * 1024,
    parse: integer(1024),
    description: 'A batch (lake files, warehouse rows, DLQ) is flushed when its payloads reach this size.',
  },
  'pipeline.flushMaxRecords': {
    default: 50_000,
    parse: integer(1),
    description: 'A batch is flushed when it holds this many messages (flow control may lower it).',
  },
  'pipeline.prepareWorkers': {
    default: 0,
    parse: integer(0, 64),
    description:
      'Worker threads that check events against the contract, in the pipeline and in backfill; 0 = one per core beyond the first, at least 1 and at most 2.',
  },
  'archive.maxDurationMs': {
    default: 60_000,
    // As a Cloud Storage subscription's max_duration, and short enough for the history lease (≤ 600 s).
    parse: integer(1_000, 540_000),
    description: 'An archive file is closed after this long (Cloud Storage subscription: max duration).',
  },
  'archive.maxBytes': {
    default: 100 * 1024 * 1024,
    parse: integer(1_000),
    description: 'An archive file is closed at this size.',
  },
  'archive.maxMessages': {
    default: 1_000_000,
    parse: integer(1),
    description: 'An archive file is closed after this many messages.',
  },
  'archive.filenamePrefix': {
    default: 'events_',
    parse: (raw) =>
      typeof raw === 'string' && /^[\w.-]*$/.test(raw)
        ? { value: raw }
        : { error: 'expected letters, digits, _ . -' },
    description: 'Archive file name prefix.',
  },
  'archive.filenameSuffix': {
    default: '.json',
    parse: (raw) =>
      typeof raw === 'string' && /^[\w.-]*$/.test(raw)
        ? { value: raw }
        : { error: 'expected letters, digits, _ . -' },
    description: 'Archive file name suffix.',
  },
  'archive.datetimeFormat': {
    default: 'YYYY-MM-DDTHH:mm:ssZ',
    parse: oneOf(['YYYY-MM-DDTHH:mm:ssZ', 'YYYY-MM-DD/hh_mm_ssZ', 'YYYYMMDDHHmmss'] as const),
    description:
      'Date-time format in archive file names (the first two are those Cloud Storage subscriptions offer).',
  },
  seed: { default: 42, parse: integer(0, 2 ** 31 - 1), description: 'Seed of the reference universe.' },
  'generator.maxTriggerCount': {
    default: 100_000,
    parse: integer(1, 10_000_000),
    description: 'Largest count one publish_trigger request may ask for (larger answers 400).',
  },
  'generator.profile': {
    default: DEFAULT_TRAFFIC_PROFILE_NAME as string,
    parse: trafficProfile,
    description:
      'How the generated shop behaves: demo (every event type, whole order lifecycles within minutes), shop (a realistic busy shop), or a profile file (docs/traffic-profiles.md).',
  },
  'generator.timeScale': {
    default: 1,
    parse: decimal(1, 1_000_000),
    description:
      'Live traffic (event times from the wall clock): the simulated clock runs this many times faster at the same event rate, so lifecycles of hours pass in minutes.',
  },
} satisfies Record<string, Setting<unknown>>;

export type SettingKey = keyof typeof SETTINGS;

type ValueOf<S> = S extends { parse: Parse<infer T> } ? T : never;

/** The resolved configuration: every key with its typed value. */
export type Config = { readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };

/** `pipeline.flushMaxAgeMs` → `SHOPSTREAM_PIPELINE_FLUSH_MAX_AGE_MS`. */
export function envNameOf(key: string): string {
  return (
    'SHOPSTREAM_' +
    key
      .replaceAll('.', '_')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toUpperCase()
  );
}
