import { describe, expect, it } from 'vitest';
import { ShopstreamError } from '../../errors/shopstream-error.js';
import { compilePubSubBusOptions, PUBSUB_BUS_DEFAULTS } from './pubsub-bus-options.js';

describe('compilePubSubBusOptions', () => {
  it('applies the defaults and freezes the result', () => {
    const options = compilePubSubBusOptions({ projectId: 'my-project' }, {});
    expect(options).toMatchObject({
      projectId: 'my-project',
      emulatorHost: undefined,
      publishBatching: PUBSUB_BUS_DEFAULTS.publishBatching,
      flowControl: PUBSUB_BUS_DEFAULTS.flowControl,
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.publishBatching)).toBe(true);
  });

  it('takes the emulator from PUBSUB_EMULATOR_HOST unless one is given', () => {
    const env = { PUBSUB_EMULATOR_HOST: 'localhost:8085' };
    expect(compilePubSubBusOptions({ projectId: 'p' }, env).emulatorHost).toBe('localhost:8085');
    expect(compilePubSubBusOptions({ projectId: 'p', emulatorHost: '127.0.0.1:9' }, env).emulatorHost).toBe(
      '127.0.0.1:9',
    );
    // An empty variable means no emulator, as the client library reads it.
    expect(
      compilePubSubBusOptions({ projectId: 'p' }, { PUBSUB_EMULATOR_HOST: '' }).emulatorHost,
    ).toBeUndefined();
  });

  it('merges partial batching and flow control with the defaults', () => {
    const options = compilePubSubBusOptions(
      {
        projectId: 'p',
        publishBatching: { maxMilliseconds: 50 },
        flowControl: { maxMessages: 10, maxBytes: 1e6 },
      },
      {},
    );
    expect(options.publishBatching).toEqual({ ...PUBSUB_BUS_DEFAULTS.publishBatching, maxMilliseconds: 50 });
    expect(options.flowControl).toEqual({ maxMessages: 10, maxBytes: 1e6 });
  });

  it.each([
    [{ projectId: '' }, 'projectId'],
    [{ projectId: 'a/b' }, 'projectId'],
    [{ projectId: 'p', emulatorHost: 'http://localhost:8085' }, 'emulatorHost'],
    [{ projectId: 'p', publishBatching: { maxMessages: 1_001 } }, 'publishBatching.maxMessages'],
    [{ projectId: 'p', flowControl: { maxMessages: 0, maxBytes: 1 } }, 'flowControl.maxMessages'],
    [{ projectId: 'p', closeTimeoutMs: 1.5 }, 'closeTimeoutMs'],
    [{ projectId: 'p', streamAckDeadlineSeconds: 9 }, 'streamAckDeadlineSeconds'],
    [{ projectId: 'p', streamAckDeadlineSeconds: 601 }, 'streamAckDeadlineSeconds'],
    [{ projectId: 'p', reconnectMaxBackoffMs: 0 }, 'reconnectMaxBackoffMs'],
  ])('rejects %j with SHOP_E_CONFIG_INVALID naming %s', (input, key) => {
    let error: unknown;
    try {
      compilePubSubBusOptions(input, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ShopstreamError);
    expect((error as ShopstreamError).code).toBe('SHOP_E_CONFIG_INVALID');
    expect((error as ShopstreamError).context.key).toBe(key);
  });
});
