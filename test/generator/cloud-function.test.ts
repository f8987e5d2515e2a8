import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../src/bus/embedded/embedded-bus.js';
import { projectRoot } from '../../src/util/project-root.js';

// The function reads its configuration from the environment when it is loaded, as on Cloud Run.
const directory = mkdtempSync(join(tmpdir(), 'shopstream-cloud-function-'));
const env = {
  SHOPSTREAM_BUS: `embedded:${directory}`,
  SHOPSTREAM_TOPIC: 'fn-events',
  SHOPSTREAM_GENERATOR_MAX_TRIGGER_COUNT: '500',
  SHOPSTREAM_LOG_LEVEL: 'silent',
};
const bus = new EmbeddedBus({ directory });
let server: Server;
let url: string;

const backlog = async (): Promise<number> => (await bus.describeSubscription('fn-sub')).backlog ?? NaN;

beforeAll(async () => {
  await bus.start();
  await bus.ensureTopic('fn-events');
  await bus.ensureSubscription({ name: 'fn-sub', topic: 'fn-events' });
  Object.assign(process.env, env);
  // Registers publish_trigger with the Functions Framework, as `--target=publish_trigger` loads it.
  await import('../../src/generator/cloud-function.js');
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  server = getTestServer('publish_trigger');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await bus.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('publish_trigger under the Functions Framework', () => {
  it('publishes from the function root (the deployed URL) and from /publish_trigger', async () => {
    const before = await backlog();
    const root = await fetch(`${url}/?count=20`);
    expect(root.status).toBe(200);
    const body = (await root.json()) as { published: number; by_type: Record<string, number> };
    expect(body.published).toBe(20);
    expect(Object.values(body.by_type).reduce((a, b) => a + b, 0)).toBe(20);
    expect((await fetch(`${url}/publish_trigger?count=5`)).status).toBe(200);
    expect(await backlog()).toBe(before + 25);
  });

  it('reads a JSON body the framework has already parsed', async () => {
    const before = await backlog();
    const response = await fetch(`${url}/publish_trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"count": 3}',
    });
    expect(response.status).toBe(200);
    expect(await backlog()).toBe(before + 3);
  });

  it('answers 400, 405 and 413 as the plain server does, publishing nothing', async () => {
    const before = await backlog();
    const tooMany = await fetch(`${url}/?count=501`);
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'SHOP_E_HTTP_BAD_REQUEST',
      message: expect.stringMatching(/1 to 500/),
    });
    expect((await fetch(`${url}/?count=abc`)).status).toBe(400);
    expect((await fetch(`${url}/?count=1`, { method: 'PUT' })).status).toBe(405);
    const big = await fetch(`${url}/?count=1`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(70 * 1024),
    });
    expect(big.status).toBe(413);
    expect(await backlog()).toBe(before);
  });
});

describe('publish_trigger traffic', () => {
  it('spreads its messages over the three event types (the demo profile, by default)', async () => {
    const byType = { order: 0, inventory: 0, user_activity: 0 };
    for (let request = 0; request < 3; request++) {
      const response = await fetch(`${url}/?count=500`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { by_type: Record<keyof typeof byType, number> };
      for (const type of Object.keys(byType) as (keyof typeof byType)[]) byType[type] += body.by_type[type];
    }
    for (const [type, count] of Object.entries(byType))
      expect(count / 1_500, type).toBeGreaterThanOrEqual(0.1);
  });
});

describe('the functions-framework command', () => {
  it('loads the TypeScript source as --target=publish_trigger and serves it', async () => {
    const port = await freePort();
    const child = functionsFramework(port);
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(
          () => reject(new Error(`functions-framework did not start: ${out}`)),
          30_000,
        );
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Serving function')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => reject(new Error(`functions-framework exited ${code}: ${out}`)));
      });
      const before = await backlog();
      const response = await fetch(`http://127.0.0.1:${port}/?count=12`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { published: number }).published).toBe(12);
      expect(await backlog()).toBe(before + 12);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('a bad traffic profile', () => {
  it('fails the instance at start-up, naming the setting and the file', async () => {
    const missing = join(directory, 'no-such-profile.json');
    const child = functionsFramework(await freePort(), { SHOPSTREAM_GENERATOR_PROFILE: missing });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain('SHOP_E_CONFIG_FILE');
    expect(output).toContain(missing);
    expect(output).not.toContain('Serving function');
  }, 30_000);
});

/** `functions-framework --target=publish_trigger` on the TypeScript source, with the test's environment. */
function functionsFramework(port: number, extraEnv: Record<string, string> = {}): ChildProcess {
  const root = projectRoot();
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'node_modules/@google-cloud/functions-framework/build/src/main.js'),
      '--target=publish_trigger',
      `--source=${join(root, 'src/generator/cloud-function.ts')}`,
      `--port=${port}`,
    ],
    { cwd: root, env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
