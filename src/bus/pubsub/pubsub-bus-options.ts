import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { FlowControl } from '../message-bus.js';

/**
 * Options of a {@link PubSubBus}. Authentication is by Application Default Credentials only (the
 * Cloud Run service account, or `gcloud auth application-default login`); there is no key-file
 * option on purpose.
 *
 * @example
 * new PubSubBus({ projectId: 'my-project' }); // Google Pub/Sub, or PUBSUB_EMULATOR_HOST when set
 * new PubSubBus({ projectId: 'test', emulatorHost: '127.0.0.1:8085' }); // an emulator, explicitly
 */
export interface PubSubBusOptions {
  readonly projectId: string;
  /**
   * `host:port` of a Pub/Sub emulator: plain-text gRPC, no credentials. Default: the
   * `PUBSUB_EMULATOR_HOST` environment variable; when neither is set, Google Pub/Sub.
   */
  readonly emulatorHost?: string;
  /** A Google endpoint other than the global one, e.g. `europe-west1-pubsub.googleapis.com:443`. */
  readonly apiEndpoint?: string;
  /** Publisher batching: a batch is sent when it holds this many messages, bytes, or is this old. */
  readonly publishBatching?: {
    readonly maxMessages?: number;
    readonly maxBytes?: number;
    readonly maxMilliseconds?: number;
  };
  /** Flow control of subscribers that pass none in `SubscribeOptions`. */
  readonly flowControl?: FlowControl;
  /**
   * How long a subscriber's close() waits for delivered messages to be acked or nacked before it
   * gives the rest back. Default 30 s. Sending the last acks and nacks then takes at most
   * min(10 s, this) more, even when the server is gone.
   */
  readonly closeTimeoutMs?: number;
  /**
   * Streaming pulls per subscriber. Default 5, the client library's own default. Throughput grows
   * with it: the emulator sends each stream 100 messages about every 50 ms (~2,000 msg/s), and
   * Google Pub/Sub caps one stream's throughput too. Each stream asks the server for up to the full
   * flow-control limit; the subscriber still hands the handler no more than that limit.
   */
  readonly streamsPerSubscriber?: number;
  /** Time limit of one admin or publish call, retries included. Default 60 s. */
  readonly requestTimeoutMs?: number;
  /**
   * The server-side lease of a message delivered on a streaming pull, in seconds (10-600), kept
   * extended by the client library while the message is held. Default 10, Pub/Sub's minimum: when a
   * connection drops, what the server had sent on it and the client never read comes back after at
   * most this long, and so do the messages of a worker that crashed. A drain after a connection
   * fault waits it out (see `Subscriber.drainableAt`). The subscription's own ack deadline still
   * bounds how long a handler may hold a message (see PubSubReceivedMessage).
   */
  readonly streamAckDeadlineSeconds?: number;
  /**
   * Longest wait before reopening a streaming pull that dropped, in ms. Default 5,000 (the client
   * library's own is 60 s): a drain knows that a dropped stream is back within this long once the
   * network is.
   */
  readonly reconnectMaxBackoffMs?: number;
}

/** {@link PubSubBusOptions} validated, with defaults applied, frozen. */
export interface CompiledPubSubBusOptions {
  readonly projectId: string;
  /** Set when talking to an emulator (explicit option or PUBSUB_EMULATOR_HOST). */
  readonly emulatorHost: string | undefined;
  readonly apiEndpoint: string | undefined;
  readonly publishBatching: {
    readonly maxMessages: number;
    readonly maxBytes: number;
    readonly maxMilliseconds: number;
  };
  readonly flowControl: FlowControl;
  readonly closeTimeoutMs: number;
  readonly streamsPerSubscriber: number;
  readonly requestTimeoutMs: number;
  readonly streamAckDeadlineSeconds: number;
  readonly reconnectMaxBackoffMs: number;
}

/** Defaults: batches of up to 1,000 messages or 10 ms, the largest a Pub/Sub publish request allows. */
export const PUBSUB_BUS_DEFAULTS = {
  publishBatching: { maxMessages: 1_000, maxBytes: 9 * 1024 * 1024, maxMilliseconds: 10 },
  flowControl: { maxMessages: 1_000, maxBytes: 100 * 1024 * 1024 },
  closeTimeoutMs: 30_000,
  streamsPerSubscriber: 5,
  requestTimeoutMs: 60_000,
  streamAckDeadlineSeconds: 10,
  reconnectMaxBackoffMs: 5_000,
} as const;

/** Validates options, applies defaults (and PUBSUB_EMULATOR_HOST from `env`), freezes the result. */
export function compilePubSubBusOptions(
  options: PubSubBusOptions,
  env: NodeJS.ProcessEnv = process.env,
): CompiledPubSubBusOptions {
  // Loose on purpose: Google ids are 6-30 of [a-z0-9-] (or domain:id), emulators take shorter ones;
  // what matters is that it cannot break out of `projects/<id>/…` resource names.
  if (!/^[a-z0-9][a-z0-9.:-]*$/.test(options.projectId ?? '')) {
    throw invalid('projectId', options.projectId, 'a Google Cloud project id such as my-project-123');
  }
  const emulatorHost = options.emulatorHost ?? (env.PUBSUB_EMULATOR_HOST || undefined);
  if (emulatorHost !== undefined && !/^[^\s/:]+:\d{1,5}$/.test(emulatorHost)) {
    throw invalid('emulatorHost', emulatorHost, 'host:port, such as 127.0.0.1:8085');
  }
  const batching = { ...PUBSUB_BUS_DEFAULTS.publishBatching, ...options.publishBatching };
  // Pub/Sub refuses publish requests over 1,000 messages or 10 MB.
  positive('publishBatching.maxMessages', batching.maxMessages, 1_000);
  positive('publishBatching.maxBytes', batching.maxBytes, 9 * 1024 * 1024);
  positive('publishBatching.maxMilliseconds', batching.maxMilliseconds);
  const flowControl = { ...PUBSUB_BUS_DEFAULTS.flowControl, ...options.flowControl };
  positive('flowControl.maxMessages', flowControl.maxMessages);
  positive('flowControl.maxBytes', flowControl.maxBytes);
  const closeTimeoutMs = options.closeTimeoutMs ?? PUBSUB_BUS_DEFAULTS.closeTimeoutMs;
  positive('closeTimeoutMs', closeTimeoutMs);
  const streamsPerSubscriber = options.streamsPerSubscriber ?? PUBSUB_BUS_DEFAULTS.streamsPerSubscriber;
  positive('streamsPerSubscriber', streamsPerSubscriber, 32);
  const requestTimeoutMs = options.requestTimeoutMs ?? PUBSUB_BUS_DEFAULTS.requestTimeoutMs;
  positive('requestTimeoutMs', requestTimeoutMs);
  const streamAckDeadlineSeconds =
    options.streamAckDeadlineSeconds ?? PUBSUB_BUS_DEFAULTS.streamAckDeadlineSeconds;
  // Pub/Sub accepts stream ack deadlines of 10 to 600 s.
  positive('streamAckDeadlineSeconds', streamAckDeadlineSeconds, 600);
  if (streamAckDeadlineSeconds < 10)
    throw invalid('streamAckDeadlineSeconds', streamAckDeadlineSeconds, 'a whole number from 10 to 600');
  const reconnectMaxBackoffMs = options.reconnectMaxBackoffMs ?? PUBSUB_BUS_DEFAULTS.reconnectMaxBackoffMs;
  positive('reconnectMaxBackoffMs', reconnectMaxBackoffMs);
  return Object.freeze({
    projectId: options.projectId,
    emulatorHost,
    apiEndpoint: options.apiEndpoint,
    publishBatching: Object.freeze(batching),
    flowControl: Object.freeze(flowControl),
    closeTimeoutMs,
    streamsPerSubscriber,
    requestTimeoutMs,
    streamAckDeadlineSeconds,
    reconnectMaxBackoffMs,
  });
}

function positive(key: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw invalid(key, value, `a whole number from 1 to ${max}`);
  }
}

function invalid(key: string, value: unknown, expected: string): ShopstreamError {
  return new ShopstreamError(
    'SHOP_E_CONFIG_INVALID',
    `pubsub bus: ${key} ${JSON.stringify(value)} is not ${expected}`,
    {
      context: { key, value },
    },
  );
}
