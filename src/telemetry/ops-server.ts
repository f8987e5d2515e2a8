import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** A read-only route: GET only, and the handler writes the whole response. */
export type Route = (request: IncomingMessage, response: ServerResponse, url: URL) => void | Promise<void>;

export interface OpsServerOptions {
  readonly registry: Registry;
  /** `/healthz` answers 200 when healthy, 503 otherwise, with this as the JSON body. */
  readonly health: () => { healthy: boolean } & Record<string, unknown>;
  /** More GET routes by exact path (the dashboard adds its page and APIs). */
  readonly routes?: Readonly<Record<string, Route>>;
}

/**
 * The HTTP server every long-running command exposes: `/metrics` (Prometheus) and `/healthz`, plus any
 * extra read-only routes. It has no write path: anything but GET/HEAD answers 405.
 */
export function createOpsServer(options: OpsServerOptions): Server {
  const routes: Record<string, Route> = {
    '/metrics': async (_req, res) => {
      res.writeHead(200, { 'content-type': options.registry.contentType });
      res.end(await options.registry.metrics());
    },
    '/healthz': (_req, res) => {
      const body = options.health();
      res.writeHead(body.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    },
    ...options.routes,
  };
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: 'SHOP_E_HTTP_BAD_REQUEST',
            message: `${req.method} is not allowed; this server is read-only`,
          },
        }),
      );
      return;
    }
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'SHOP_E_HTTP_BAD_REQUEST', message: `no such path: ${url.pathname}` },
        }),
      );
      return;
    }
    Promise.resolve(route(req, res, url)).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'SHOP_E_INTERNAL', message: (error as Error).message } }));
    });
  });
}

/** Listens and resolves with the bound port (pass 0 for any free port). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
