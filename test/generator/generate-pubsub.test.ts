import { afterAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import { startPubSubEmulator } from '../support/pubsub-emulator.js';
import { runCli } from '../support/run-cli.js';

const emulator = await startPubSubEmulator();

/** `shopstream generate` publishes to Google Pub/Sub (the official emulator), bad messages included. */
describe.runIf(emulator)('shopstream generate on the Pub/Sub emulator', () => {
  afterAll(() => emulator?.stop());

  it('publishes every generated message, even the deliberately empty ones', async () => {
    const env = { PUBSUB_EMULATOR_HOST: emulator!.host };
    const flags = ['--bus', 'pubsub:generate-test'];
    expect((await runCli([...flags, 'setup', '--skip-warehouse'], env)).code).toBe(0);
    const generated = await runCli(
      [...flags, 'generate', '--count', '1000', '--invalid-ratio', '0.3', '--seed', '5'],
      env,
    );
    expect(generated.code, generated.stderr).toBe(0);

    process.env.PUBSUB_EMULATOR_HOST = emulator!.host;
    const bus = await openBus('pubsub:generate-test');
    await bus.start();
    let received = 0;
    let empty = 0;
    const subscriber = bus.subscribe('backend-events-topic-sub', (message) => {
      received++;
      if (message.data.length === 0) empty++;
      expect(message.attributes.producer).toBe('shopstream-generator');
      message.ack();
    });
    const deadline = Date.now() + 30_000;
    while (received < 1_000 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await subscriber.close();
    await bus.close();
    expect(received).toBe(1_000);
    expect(empty).toBeGreaterThan(0);
  }, 90_000);
});
