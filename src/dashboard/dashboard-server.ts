import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { createOpsServer, listen, type Route } from '../telemetry/ops-server.js';
import { projectRoot } from '../util/project-root.js';
import type { LiveSnapshot, LiveStats } from './live-stats.js';
import type { PanelResult, WarehousePanels } from './warehouse-panels.js';

/** Options of a {@link DashboardServer}. */
export interface DashboardServerOptions {
  readonly registry: Registry;
  /** `/healthz`: 200 when healthy, 503 otherwise, with this as the body. */
  readonly health: () => { healthy: boolean } & Record<string, unknown>;
  readonly live: LiveStats;
  readonly panels: WarehousePanels;
  /** Shown in the page header (`embedded bus · duckdb warehouse`). */
  readonly about?: Readonly<Record<string, string>>;
  /** The last reconcile's result, for a page that connects between two runs. */
  readonly reconcile?: () => unknown;
}

interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
}

/** The page only loads what this server serves: no CDN, no inline script, no network. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The dashboard of `shopstream up`: the page and its assets (uPlot from our own node_modules), live
 * numbers over server-sent events (`/api/live`, one event a second), the warehouse panels as the
 * server's cached query answers, and `/metrics` and `/healthz`. GET only: it has no write path.
 *
 * Routes: `/` page · `/app.js` `/app.css` · `/vendor/uPlot.iife.min.js` `/vendor/uPlot.min.css` ·
 * `/api/live` (SSE: `hello` with history and panels, then `live` each second, `warehouse` after each
 * refresh, and `reconcile` after each reconcile run) · `/api/snapshot` (the same as JSON) · `/metrics` · `/healthz`.
 */
export class DashboardServer {
  readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: DashboardServerOptions) {
    const files = loadStaticFiles();
    const routes: Record<string, Route> = {
      '/api/live': (req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          ...SECURITY_HEADERS,
        });
        res.write(`retry: 2000\n\n`);
        res.write(event('hello', this.hello()));
        this.clients.add(res);
        req.on('close', () => this.clients.delete(res));
      },
      '/api/snapshot': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
        res.end(JSON.stringify(this.hello()));
      },
    };
    for (const [path, file] of Object.entries(files))
      routes[path] = (_req, res) => {
        res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
        res.end(file.body);
      };
    routes['/'] = routes['/index.html']!;
    this.server = createOpsServer({ registry: options.registry, health: options.health, routes });
    // A comment line now and then keeps proxies and idle browsers from dropping the stream.
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), 15_000);
    this.heartbeat.unref();
  }

  /** Listens; resolves with the bound port. Rejects with the listen error (EADDRINUSE, EACCES). */
  listen(port: number, host: string): Promise<number> {
    return listen(this.server, port, host);
  }

  /** Sends a second's numbers to every open page. */
  publishLive(snapshot: LiveSnapshot): void {
    this.write(event('live', { ...snapshot, health: this.options.health() }));
  }

  /** Sends the last reconcile's result to every open page. */
  publishReconcile(summary: unknown): void {
    this.write(event('reconcile', summary));
  }

  /** Sends fresh warehouse panels to every open page. */
  publishPanels(panels: readonly PanelResult[]): void {
    this.write(event('warehouse', panels));
  }

  /** Ends the event streams and stops listening. */
  close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.end();
    this.clients.clear();
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private hello(): unknown {
    return {
      about: this.options.about ?? {},
      history: this.options.live.history(),
      latest: this.options.live.latest() ?? null,
      health: this.options.health(),
      panels: this.options.panels.snapshot(),
      reconcile: this.options.reconcile?.() ?? null,
    };
  }

  private write(chunk: string): void {
    for (const client of this.clients) client.write(chunk);
  }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data, jsonSafe)}\n\n`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** Reads the page and uPlot once; they are small and never change while the server runs. */
function loadStaticFiles(): Record<string, StaticFile> {
  const publicDir = join(projectRoot(), 'src', 'dashboard', 'public');
  const uplot = (file: string): string => createRequire(import.meta.url).resolve(`uplot/dist/${file}`);
  const read = (path: string, type: string): StaticFile => ({ type, body: readFileSync(path) });
  return {
    '/index.html': read(join(publicDir, 'index.html'), 'text/html; charset=utf-8'),
    '/app.js': read(join(publicDir, 'app.js'), 'text/javascript; charset=utf-8'),
    '/app.css': read(join(publicDir, 'app.css'), 'text/css; charset=utf-8'),
    '/favicon.svg': read(join(publicDir, 'favicon.svg'), 'image/svg+xml'),
    '/vendor/uPlot.iife.min.js': read(uplot('uPlot.iife.min.js'), 'text/javascript; charset=utf-8'),
    '/vendor/uPlot.min.css': read(uplot('uPlot.min.css'), 'text/css; charset=utf-8'),
  };
}
