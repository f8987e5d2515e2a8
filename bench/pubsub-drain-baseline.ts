/**
 * Baseline: how fast the bare `@google-cloud/pubsub` subscriber drains a backlog from the Pub/Sub
 * emulator when it does nothing but receive and ack. The pipeline's drain over the same emulator is
 * judged against this figure (the emulator, not our code, bounds both).
 *
 *   npx tsx bench/pubsub-drain-baseline.ts [count]      (default 100000; BENCH_COUNT works too)
 *
 * Uses PUBSUB_EMULATOR_HOST when set, else starts the official emulator on a free port. Prints
 * progress on stderr and, last, one JSON line on stdout:
 * `{"name":"pubsub-bare-subscriber","value":<msg/s>,"unit":"msg/s"}`.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Duration, PubSub, type Message } from '@google-cloud/pubsub';
import { PUBSUB_BUS_DEFAULTS } from '../src/bus/pubsub/pubsub-bus-options.js';
import { SETTINGS } from '../src/config/settings.js';
import { startPubSubEmulator } from '../test/support/pubsub-emulator.js';

/** What {@link measureBareSubscriberDrain} measured. */
export interface BareSubscriberDrain {
  readonly messages: number;
  readonly messageBytes: number;
  /** Pre-publishing the backlog (not part of the figure). */
  readonly publishSeconds: number;
  /** From opening the subscriber to the last message received (and its ack called). */
  readonly drainSeconds: number;
  readonly messagesPerSecond: number;
  /** Closing the subscriber afterwards, which flushes the last acks. */
  readonly closeSeconds: number;
  /** Deliveries beyond one per message (redeliveries), should be 0. */
  readonly duplicates: number;
  readonly flowControl: { readonly maxMessages: number; readonly maxBytes: number };
  readonly streams: number;
}

export interface BareSubscriberDrainOptions {
  /** Bytes per message; default 400 (a typical event). */
  readonly messageBytes?: number;
  /** Subscriber flow control; default the pipeline's (pipeline.maxOutstandingMessages / …Bytes). */
  readonly flowControl?: { readonly maxMessages: number; readonly maxBytes: number };
  /** Streaming pulls; default the Pub/Sub bus's (streamsPerSubscriber), so the two compare. */
  readonly streams?: number;
}

/**
 * Pre-publishes `count` messages to a fresh topic on the emulator at `host`, then times the bare
 * client library subscriber draining them (receive + ack, nothing else). Cleans up after itself.
 */
export async function measureBareSubscriberDrain(
  host: string,
  count: number,
  options: BareSubscriberDrainOptions = {},
): Promise<BareSubscriberDrain> {
  const messageBytes = options.messageBytes ?? 400;
  const flowControl = options.flowControl ?? {
    maxMessages: SETTINGS['pipeline.maxOutstandingMessages'].default,
    maxBytes: SETTINGS['pipeline.maxOutstandingBytes'].default,
  };
  const streams = options.streams ?? PUBSUB_BUS_DEFAULTS.streamsPerSubscriber;
  const client = new PubSub({
    projectId: 'shopstream-bench',
    apiEndpoint: host,
    // No credentials, and no probe of the GCE metadata server (see pubsub-bus.ts).
    emulatorMode: true,
    universeDomain: 'googleapis.com',
  });
  const suffix = randomUUID().slice(0, 8);
  const [topic] = await client.createTopic(`bench-drain-${suffix}`);
  const [subscription] = await topic.createSubscription(`bench-drain-${suffix}`, { ackDeadlineSeconds: 60 });
  try {
    const publishStart = performance.now();
    const publisher = client.topic(topic.name, { batching: { maxMessages: 1_000, maxMilliseconds: 10 } });
    const body = Buffer.alloc(messageBytes, 'x');
    // In slices, so the publisher's queue (and memory) stays bounded.
    for (let sent = 0; sent < count;) {
      const slice = Math.min(10_000, count - sent);
      await Promise.all(
        Array.from({ length: slice }, () => publisher.publishMessage({ data: Buffer.from(body) })),
      );
      sent += slice;
      progress(`published ${sent}/${count}`);
    }
    const publishSeconds = (performance.now() - publishStart) / 1000;

    const seen = new Set<string>();
    let duplicates = 0;
    const subscriber = client.subscription(subscription.name, {
      flowControl: { ...flowControl, allowExcessMessages: false },
      streamingOptions: { maxStreams: streams },
      minAckDeadline: Duration.from({ seconds: 60 }),
      maxAckDeadline: Duration.from({ seconds: 60 }),
    });
    const drainStart = performance.now();
    let drainEnd = drainStart;
    await new Promise<void>((resolve, reject) => {
      subscriber.on('error', reject);
      subscriber.on('message', (message: Message) => {
        message.ack();
        if (seen.has(message.id)) {
          duplicates += 1;
          return;
        }
        seen.add(message.id);
        if (seen.size % 10_000 === 0) progress(`received ${seen.size}/${count}`);
        if (seen.size === count) {
          drainEnd = performance.now();
          resolve();
        }
      });
    });
    const closeStart = performance.now();
    await subscriber.close();
    const closeSeconds = (performance.now() - closeStart) / 1000;
    const drainSeconds = (drainEnd - drainStart) / 1000;
    return {
      messages: count,
      messageBytes,
      publishSeconds,
      drainSeconds,
      messagesPerSecond: count / drainSeconds,
      closeSeconds,
      duplicates,
      flowControl,
      streams,
    };
  } finally {
    await subscription.delete().catch(() => undefined);
    await topic.delete().catch(() => undefined);
    await client.close();
  }
}

function progress(text: string): void {
  process.stderr.write(`pubsub-drain-baseline: ${text}\n`);
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? process.env.BENCH_COUNT ?? 100_000);
  if (!Number.isSafeInteger(count) || count < 1)
    throw new Error(`count must be a positive whole number, not ${count}`);
  const emulator = process.env.PUBSUB_EMULATOR_HOST ? undefined : await startPubSubEmulator();
  const host = process.env.PUBSUB_EMULATOR_HOST || emulator?.host;
  if (!host) throw new Error('no Pub/Sub emulator: set PUBSUB_EMULATOR_HOST or install the emulator');
  try {
    const result = await measureBareSubscriberDrain(host, count);
    progress(JSON.stringify(result));
    process.stdout.write(
      `${JSON.stringify({ name: 'pubsub-bare-subscriber', value: Math.round(result.messagesPerSecond), unit: 'msg/s' })}\n`,
    );
  } finally {
    await emulator?.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
