import { connect, createServer, type Server, type Socket } from 'node:net';
import { listenOnLoopback } from './loopback-listen.js';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, which a test can cut: every open connection is
 * reset and new ones are reset as they arrive, until it is restored. That is a dropped network
 * between a client and a server that keeps its state (unlike restarting an emulator, which forgets
 * its topics and messages).
 *
 * @example
 * const proxy = await TcpProxy.start(emulator.host);  // PUBSUB_EMULATOR_HOST=proxy.host for the client
 * proxy.cut();      // the client sees its streams fail and reconnects fail
 * proxy.restore();  // and reconnects
 */
export class TcpProxy {
  /** Connections accepted and forwarded so far, and connections reset while cut. */
  forwarded = 0;
  refused = 0;
  private readonly open = new Set<Socket>();
  private isCut = false;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Starts a proxy to `target` (`host:port`) on a free port of 127.0.0.1. */
  static async start(target: string): Promise<TcpProxy> {
    const [host, port] = target.split(':');
    const proxy = new TcpProxy(createServer(), { host: host!, port: Number(port) });
    proxy.host = await listenOnLoopback(proxy.server);
    return proxy;
  }

  /** `127.0.0.1:<port>`: what the client connects to. */
  host = '';

  /** Resets every open connection; until {@link restore}, new connections are reset at once. */
  cut(): void {
    this.isCut = true;
    for (const socket of this.open) socket.resetAndDestroy();
    this.open.clear();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.isCut) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    this.forwarded++;
    const upstream = connect(this.target.port, this.target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.open.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.open.delete(from);
        to.destroy();
      });
    }
  }
}
