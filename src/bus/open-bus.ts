import { ShopstreamError } from '../errors/shopstream-error.js';
import type { MessageBus } from './message-bus.js';

/**
 * Opens the bus a URI names: `embedded:<folder>` or `pubsub:<project-id>`. Adapters are loaded
 * lazily so a local run never loads the Google SDK, and vice versa.
 */
export async function openBus(uri: string): Promise<MessageBus> {
  const [scheme, ...rest] = uri.split(':');
  const target = rest.join(':');
  if (scheme === 'embedded') {
    const { EmbeddedBus } = await import('./embedded/embedded-bus.js');
    return new EmbeddedBus({ directory: target });
  }
  if (scheme === 'pubsub') {
    const { PubSubBus } = await import('./pubsub/pubsub-bus.js');
    return new PubSubBus({ projectId: target });
  }
  throw new ShopstreamError(
    'SHOP_E_CONFIG_INVALID',
    `bus: "${uri}" is not embedded:<folder> or pubsub:<project-id>`,
  );
}
