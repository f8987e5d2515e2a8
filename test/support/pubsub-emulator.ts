/**
 * Starts the official Google Pub/Sub emulator for tests and benchmarks, on a free port of 127.0.0.1.
 *
 * One emulator per test file is the intended use (it starts in about a second, but each one is a JVM):
 *
 * @example
 * const emulator = await startPubSubEmulator(); // undefined (with a warning) when not installed
 * describe.runIf(emulator)('pubsub', () => {
 *   afterAll(() => emulator?.stop());
 *   it('…', async () => {
 *     const bus = new PubSubBus({ projectId: 'test', emulatorHost: emulator!.host });
 *   });
 * });
 *
 * When the emulator is missing, `CI=true` makes this throw, so a CI run cannot pass by skipping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the Google Cloud SDK Debian package installs the emulator; PUBSUB_EMULATOR_BIN overrides it. */
export const DEFAULT_PUBSUB_EMULATOR_BIN =
  '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';

/** A running emulator. */
export interface PubSubEmulator {
  /** `127.0.0.1:<port>`: the value for PUBSUB_EMULATOR_HOST or `PubSubBus`'s `emulatorHost`. */
  readonly host: string;
  /** Stops the emulator and everything it started. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PubSubEmulatorOptions {
  /** The emulator launcher; default PUBSUB_EMULATOR_BIN or {@link DEFAULT_PUBSUB_EMULATOR_BIN}. */
  readonly binary?: string;
  /** How long to wait for it to answer, in ms. Default 60 s (a JVM on a busy two-core machine). */
  readonly startTimeoutMs?: number;
}

/**
 * The emulator launcher's path, or undefined (after printing a warning) when it is not installed.
 * Throws instead when `CI=true`: a missing emulator must fail a CI run, not skip it.
 */
export function findPubSubEmulator(binary = defaultBinary()): string | undefined {
  if (existsSync(binary)) return binary;
  const message =
    `Pub/Sub emulator not found at ${binary}: install google-cloud-cli-pubsub-emulator ` +
    '(and Java 17), or set PUBSUB_EMULATOR_BIN';
  if (process.env.CI === 'true') throw new Error(`${message}. CI=true, so this fails the run.`);
  console.warn(`\n⚠ SKIPPING Pub/Sub emulator tests: ${message}.\n`);
  return undefined;
}

/**
 * Starts an emulator on a free port and resolves once it answers HTTP on that port. Resolves
 * undefined when it is not installed (see {@link findPubSubEmulator}).
 */
export async function startPubSubEmulator(
  options: PubSubEmulatorOptions = {},
): Promise<PubSubEmulator | undefined> {
  const binary = findPubSubEmulator(options.binary ?? defaultBinary());
  if (binary === undefined) return undefined;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  // Another process may take the free port between our probe and the JVM's bind; try a few ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(binary, await freePort(), timeoutMs);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function defaultBinary(): string {
  return process.env.PUBSUB_EMULATOR_BIN ?? DEFAULT_PUBSUB_EMULATOR_BIN;
}

/**
 * Running emulators by process group, killed when this process exits normally. Holding the child
 * here also keeps its stdin pipe (the watchdog's lifeline) from being garbage-collected.
 */
const running = new Map<number, ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of running.keys()) killGroup(group, 'SIGKILL');
  });
}

/**
 * The launcher runs under a small shell that reads our stdin: when this process dies in any way
 * (even SIGKILL, where no exit hook runs) the pipe closes, `read` returns and the shell stops the
 * emulator. Background commands of a non-interactive shell read /dev/null, so the JVM never
 * consumes that pipe.
 */
const WATCHDOG = '"$@" & child=$!; read -r _; kill -TERM "$child" 2>/dev/null; wait "$child"';

async function launch(binary: string, port: number, timeoutMs: number): Promise<PubSubEmulator> {
  installExitHook();
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', binary, '--host=127.0.0.1', `--port=${port}`], {
    detached: true, // its own process group, so stop() reaches the JVM and the shell together
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const group = child.pid;
  if (group === undefined) throw new Error(`cannot start the Pub/Sub emulator (${binary})`);
  running.set(group, child);
  // The JVM logs a line per connection: drain its output (a full pipe would block it), keeping
  // the tail for error messages.
  const log: string[] = [];
  const keep = (chunk: Buffer): void => {
    log.push(chunk.toString());
    if (log.length > 50) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Tests must not be kept alive by the emulator's handles.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) unrefStream(stream);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    killGroup(group, 'SIGTERM');
    const gone = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
    // The shell may have exited before the JVM did; the group kill reaches what is left.
    killGroup(group, 'SIGKILL');
    if (!gone) await exited;
    running.delete(group);
    child.stdin?.destroy();
  };

  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    if (await answers(host)) return { host, stop };
    if (Date.now() > deadline) break;
    await delay(100);
  }
  await stop();
  throw new Error(
    `the Pub/Sub emulator did not answer on ${host} within ${timeoutMs} ms${done ? ' (it exited)' : ''}:\n` +
      log.join('').slice(-2_000),
  );
}

/** The emulator answers a plain HTTP GET on its gRPC port with "Ok" once it serves. */
async function answers(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function unrefStream(stream: ChildProcess['stdin'] | ChildProcess['stdout']): void {
  (stream as unknown as { unref?: () => void } | null)?.unref?.();
}
