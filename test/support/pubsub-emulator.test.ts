import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PUBSUB_EMULATOR_BIN, findPubSubEmulator, startPubSubEmulator } from './pubsub-emulator.js';

describe('pubsub emulator harness', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('fails a CI run when the emulator is missing', () => {
    vi.stubEnv('CI', 'true');
    expect(() => findPubSubEmulator('/nonexistent/cloud-pubsub-emulator')).toThrow(/CI=true/);
  });

  it('outside CI, says loudly that the tests are skipped and returns undefined', () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(findPubSubEmulator('/nonexistent/cloud-pubsub-emulator')).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPING Pub/Sub emulator tests'));
  });

  it.runIf(existsSync(process.env.PUBSUB_EMULATOR_BIN ?? DEFAULT_PUBSUB_EMULATOR_BIN))(
    'starts an emulator that answers on 127.0.0.1, and stop() takes it down',
    async () => {
      const emulator = (await startPubSubEmulator())!;
      expect(emulator.host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect((await fetch(`http://${emulator.host}/`)).ok).toBe(true);
      await emulator.stop();
      await expect(
        fetch(`http://${emulator.host}/`, { signal: AbortSignal.timeout(2_000) }),
      ).rejects.toThrow();
      await emulator.stop(); // twice is fine
    },
  );
});
