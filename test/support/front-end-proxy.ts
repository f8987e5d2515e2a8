import {
  connect,
  constants,
  createServer,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './loopback-listen.js';

/** Headers of one hop that must not be passed on (RFC 9113 §8.2.2). */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

/**
 * A gRPC front end on 127.0.0.1 between a client and a Pub/Sub emulator, which a test can cut: the
 * clients' TCP connections are reset (and new ones reset as they arrive) until it is restored.
 *
 * Why not a plain TCP proxy: Google's front ends terminate the client's HTTP/2 connection and proxy
 * each call to a backend, so when a client's connection drops, the backend sees its calls cancelled.
 * The emulator, reached directly, does not notice a streaming pull whose TCP connection was reset:
 * it keeps leasing messages to that dead stream, every ack deadline, for minutes
 * (docs/architecture.md, "Connection faults on Pub/Sub"). A reset TCP proxy therefore tests the
 * emulator's defect, not the pipeline. This proxy models the real path: a cut resets the client side
 * (what the pipeline sees) and cancels every call it carried upstream (what Pub/Sub sees). What the
 * upstream had already sent and the client had not yet read is lost, as on a real network, and the
 * server redelivers it when its lease runs out.
 *
 * @example
 * const proxy = await FrontEndProxy.start(emulator.host); // PUBSUB_EMULATOR_HOST=proxy.host
 * proxy.cut();     // streams and unary calls fail, reconnects are reset
 * proxy.restore(); // and the client reconnects
 */
export class FrontEndProxy {
  /** Client connections accepted, and connections reset while cut. */
  forwarded = 0;
  refused = 0;
  /** Times {@link cut} was called. */
  cuts = 0;
  private readonly sockets = new Set<Socket>();
  private readonly calls = new Set<ClientHttp2Stream>();
  private isCut = false;
  private upstream: ClientHttp2Session | undefined;

  private constructor(
    private readonly server: Http2Server,
    private readonly target: string,
  ) {
    server.on('connection', (socket: Socket) => this.accept(socket));
    server.on('stream', (stream, headers) => this.forward(stream, headers));
    // A client that goes away mid-frame is what this proxy is for; its errors are expected.
    server.on('sessionError', () => undefined);
  }

  /** Starts a front end for `target` (`host:port`) on a free port of 127.0.0.1. */
  static async start(target: string): Promise<FrontEndProxy> {
    const proxy = new FrontEndProxy(createServer(), target);
    proxy.host = await listenOnLoopback(proxy.server);
    return proxy;
  }

  /** `127.0.0.1:<port>`: what the client connects to. */
  host = '';

  /** Resets every client connection and cancels the calls they carried; refuses new ones until {@link restore}. */
  cut(): void {
    this.isCut = true;
    this.cuts++;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    for (const call of this.calls) call.close(constants.NGHTTP2_CANCEL);
    this.calls.clear();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    this.upstream?.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.isCut) {
      this.refused++;
      socket.resetAndDestroy();
      return;
    }
    this.forwarded++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** One long-lived connection to the backend, shared by every call, as a front end pools them. */
  private backend(): ClientHttp2Session {
    if (!this.upstream || this.upstream.closed || this.upstream.destroyed) {
      const session = connect(`http://${this.target}`);
      session.on('error', () => undefined);
      session.on('close', () => {
        if (this.upstream === session) this.upstream = undefined;
      });
      this.upstream = session;
    }
    return this.upstream;
  }

  private forward(downstream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const call = this.backend().request(passOn(headers), { endStream: false });
    this.calls.add(call);
    let trailers: OutgoingHttpHeaders = {};
    call.on('response', (responseHeaders, flags) => {
      if (downstream.destroyed) return;
      // A trailers-only answer (a gRPC error before any message) must stay one HEADERS frame.
      const endStream = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      downstream.respond(passOn(responseHeaders), endStream ? { endStream } : { waitForTrailers: true });
    });
    call.on('trailers', (received) => (trailers = passOn(received)));
    downstream.on('wantTrailers', () => downstream.sendTrailers(trailers));
    call.pipe(downstream);
    downstream.pipe(call);
    // Either side ending early ends the other: a client that went away cancels its upstream call.
    downstream.on('close', () => {
      this.calls.delete(call);
      if (!call.closed) call.close(constants.NGHTTP2_CANCEL);
    });
    call.on('close', () => {
      this.calls.delete(call);
      // A call that ended normally finishes downstream through the pipe and its trailers.
      if (call.rstCode !== constants.NGHTTP2_NO_ERROR && !downstream.closed) downstream.close(call.rstCode);
    });
    downstream.on('error', () => undefined);
    call.on('error', () => undefined);
  }
}

function passOn(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_HEADERS.has(name)) out[name] = value;
  return out;
}
