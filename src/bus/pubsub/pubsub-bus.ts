import { PubSub, type ClientConfig, type Topic } from '@google-cloud/pubsub';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import type {
  MessageBus,
  MessageHandler,
  OutgoingMessage,
  SubscribeOptions,
  Subscriber,
  SubscriptionConfig,
  SubscriptionInfo,
} from '../message-bus.js';
import {
  compilePubSubBusOptions,
  type CompiledPubSubBusOptions,
  type PubSubBusOptions,
} from './pubsub-bus-options.js';
import { PubSubSubscriber } from './pubsub-subscriber.js';
import {
  shortName,
  subscriptionChanges,
  subscriptionPath,
  toSubscriptionInfo,
  toSubscriptionMetadata,
  topicPath,
} from './subscription-metadata.js';
import { GRPC_STATUS } from '../../util/grpc-status.js';
import { grpcCodeOf, toBusError } from './to-bus-error.js';

/**
 * The message bus on Google Pub/Sub (`pubsub:<project>`), or on the official Pub/Sub emulator when
 * `PUBSUB_EMULATOR_HOST` (or the `emulatorHost` option) is set.
 *
 * Publishing batches through the client library's publisher; subscribing is a streaming pull with
 * flow control (see {@link PubSubSubscriber}); admin calls are idempotent. Pub/Sub reports no
 * backlog without Cloud Monitoring, so `describeSubscription` returns `backlog: undefined`.
 * Authentication: Application Default Credentials only.
 *
 * @example
 * const bus = new PubSubBus({ projectId: 'my-project' });
 * await bus.start();
 * const ids = await bus.publish('backend-events-topic', [{ data: Buffer.from('{}') }]);
 */
export class PubSubBus implements MessageBus {
  private readonly options: CompiledPubSubBusOptions;
  private readonly client: PubSub;
  private readonly topics = new Map<string, Topic>();
  private readonly subscribers = new Set<PubSubSubscriber>();
  private closed = false;

  constructor(options: PubSubBusOptions) {
    this.options = compilePubSubBusOptions(options);
    this.client = new PubSub(clientConfig(this.options));
  }

  /** The project this bus works in. */
  get projectId(): string {
    return this.options.projectId;
  }

  /** True when this bus talks to an emulator rather than Google Pub/Sub. */
  get isEmulator(): boolean {
    return this.options.emulatorHost !== undefined;
  }

  async start(): Promise<void> {
    this.assertOpen();
    try {
      // One cheap call proves the endpoint answers and the credentials work. A caller allowed to
      // publish or consume but not to list topics is reachable all the same.
      await this.client.getTopics({ pageSize: 1, autoPaginate: false, gaxOpts: this.gaxOpts() });
    } catch (error) {
      if (grpcCodeOf(error) === GRPC_STATUS.PERMISSION_DENIED) return;
      throw toBusError(error, `reach Pub/Sub (${this.endpoint()})`, { endpoint: this.endpoint() });
    }
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<string[]> {
    this.assertOpen();
    if (messages.length === 0) return [];
    // Checked before anything is queued, so a refused batch publishes none of its messages.
    messages.forEach((message, index) => {
      // The library would send it, and Pub/Sub would refuse the whole request it travels in.
      if (message.data.byteLength === 0 && Object.keys(message.attributes ?? {}).length === 0) {
        throw new ShopstreamError(
          'SHOP_E_BUS_UNAVAILABLE',
          `pubsub: cannot publish to topic "${topic}": message ${index} has neither data nor attributes, which Pub/Sub refuses`,
          { context: { topic, index } },
        );
      }
    });
    const publisher = this.publisher(topic);
    const pending = messages.map((message) =>
      publisher.publishMessage({
        data: Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength),
        ...(message.attributes ? { attributes: { ...message.attributes } } : {}),
      }),
    );
    try {
      return await Promise.all(pending);
    } catch (error) {
      // Let the rest settle, so no rejection is left unhandled.
      await Promise.allSettled(pending);
      throw toBusError(error, `publish to topic "${topic}"`, { topic, messages: messages.length });
    }
  }

  subscribe(subscription: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscriber {
    this.assertOpen();
    const subscriber = new PubSubSubscriber(this.client, subscription, handler, {
      flowControl: options.flowControl ?? this.options.flowControl,
      onError: options.onError,
      closeTimeoutMs: this.options.closeTimeoutMs,
      streams: this.options.streamsPerSubscriber,
      requestTimeoutMs: this.options.requestTimeoutMs,
      streamAckDeadlineSeconds: this.options.streamAckDeadlineSeconds,
      reconnectMaxBackoffMs: this.options.reconnectMaxBackoffMs,
    });
    this.subscribers.add(subscriber);
    return {
      close: async () => {
        await subscriber.close();
        this.subscribers.delete(subscriber);
      },
      drainableAt: () => subscriber.drainableAt(),
    };
  }

  async ensureTopic(name: string): Promise<void> {
    this.assertOpen();
    try {
      await this.client.createTopic(topicPath(this.projectId, name), this.gaxOpts());
    } catch (error) {
      if (grpcCodeOf(error) === GRPC_STATUS.ALREADY_EXISTS) return;
      throw toBusError(error, `create topic "${name}"`, { topic: name });
    }
  }

  async ensureSubscription(config: SubscriptionConfig): Promise<void> {
    this.assertOpen();
    const desired = toSubscriptionMetadata(this.projectId, config);
    // Pub/Sub moves dead letters only to a topic that exists.
    if (config.deadLetter) await this.ensureTopic(config.deadLetter.topic);
    const subscription = this.client.subscription(subscriptionPath(this.projectId, config.name));
    const what = `create subscription "${config.name}" on topic "${config.topic}"`;
    try {
      await this.client.createSubscription(
        topicPath(this.projectId, config.topic),
        subscriptionPath(this.projectId, config.name),
        {
          ...desired,
          gaxOpts: this.gaxOpts(),
        },
      );
      return;
    } catch (error) {
      if (grpcCodeOf(error) !== GRPC_STATUS.ALREADY_EXISTS)
        throw toBusError(error, what, { subscription: config.name });
    }
    try {
      const [existing] = await subscription.getMetadata(this.gaxOpts());
      if (existing.topic !== desired.topic) {
        throw new ShopstreamError(
          'SHOP_E_CONFIG_INVALID',
          `pubsub: subscription "${config.name}" exists on topic "${shortName(this.projectId, existing.topic ?? '')}", ` +
            `not "${config.topic}"; a subscription cannot change topic: delete it, or choose another name`,
          { context: { subscription: config.name, topic: config.topic, existingTopic: existing.topic } },
        );
      }
      const changes = subscriptionChanges(existing, desired);
      if (Object.keys(changes).length > 0) await subscription.setMetadata(changes, this.gaxOpts());
    } catch (error) {
      throw toBusError(error, `update subscription "${config.name}"`, { subscription: config.name });
    }
  }

  async deleteTopic(name: string): Promise<void> {
    this.assertOpen();
    this.topics.delete(name);
    try {
      await this.client.topic(topicPath(this.projectId, name)).delete(this.gaxOpts());
    } catch (error) {
      // Deleting what is not there is done already.
      if (grpcCodeOf(error) === GRPC_STATUS.NOT_FOUND) return;
      throw toBusError(error, `delete topic "${name}"`, { topic: name });
    }
  }

  async deleteSubscription(name: string): Promise<void> {
    this.assertOpen();
    try {
      await this.client.subscription(subscriptionPath(this.projectId, name)).delete(this.gaxOpts());
    } catch (error) {
      if (grpcCodeOf(error) === GRPC_STATUS.NOT_FOUND) return;
      throw toBusError(error, `delete subscription "${name}"`, { subscription: name });
    }
  }

  async describeSubscription(name: string): Promise<SubscriptionInfo> {
    this.assertOpen();
    try {
      const [metadata] = await this.client
        .subscription(subscriptionPath(this.projectId, name))
        .getMetadata(this.gaxOpts());
      return toSubscriptionInfo(this.projectId, metadata);
    } catch (error) {
      throw toBusError(error, `describe subscription "${name}"`, { subscription: name });
    }
  }

  async seek(subscription: string, time: Date): Promise<void> {
    this.assertOpen();
    try {
      await this.client
        .subscription(subscriptionPath(this.projectId, subscription))
        .seek(time, this.gaxOpts());
    } catch (error) {
      throw toBusError(error, `seek subscription "${subscription}"`, {
        subscription,
        time: time.toISOString(),
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscribers].map((subscriber) => subscriber.close()));
    this.subscribers.clear();
    // Publishes still batching are sent before the connection goes.
    await Promise.allSettled([...this.topics.values()].map((topic) => topic.flush()));
    this.topics.clear();
    await this.client.close();
  }

  private publisher(topic: string): Topic {
    let publisher = this.topics.get(topic);
    if (!publisher) {
      publisher = this.client.topic(topicPath(this.projectId, topic), {
        batching: { ...this.options.publishBatching },
        gaxOpts: this.gaxOpts(),
      });
      this.topics.set(topic, publisher);
    }
    return publisher;
  }

  /** Bounds every admin and publish call, retries included, so a dead endpoint fails in time. */
  private gaxOpts(): { timeout: number } {
    // google-gax turns `timeout` into the total time of the call's retries as well.
    return { timeout: this.options.requestTimeoutMs };
  }

  private endpoint(): string {
    return this.options.emulatorHost ?? this.options.apiEndpoint ?? 'pubsub.googleapis.com';
  }

  private assertOpen(): void {
    if (this.closed) throw new ShopstreamError('SHOP_E_BUS_CLOSED', 'pubsub: the bus was used after close()');
  }
}

/** The client library's settings for these options. */
function clientConfig(options: CompiledPubSubBusOptions): ClientConfig {
  if (options.emulatorHost !== undefined) {
    return {
      projectId: options.projectId,
      apiEndpoint: options.emulatorHost,
      // Plain-text gRPC and no credentials. Naming the universe keeps google-auth-library from
      // probing the GCE metadata server (169.254.169.254) to find one, which it otherwise does
      // even for an emulator.
      emulatorMode: true,
      universeDomain: 'googleapis.com',
    };
  }
  return {
    projectId: options.projectId,
    ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
  };
}
