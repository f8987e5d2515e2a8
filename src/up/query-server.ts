import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ShopstreamError } from '../errors/shopstream-error.js';
import type { Logger } from '../telemetry/logger.js';
import { listen } from '../telemetry/ops-server.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { ReadOnlySqlGuard } from './read-only-sql.js';

/** Options of a {@link QueryServer}. */
export interface QueryServerOptions {
  /** The warehouse this process holds. */
  readonly warehouse: Pick<Warehouse, 'query'>;
  /** What callers must send as `authorization: Bearer <token>` (from the discovery file). */
  readonly token: string;
  readonly logger: Logger;
  /** Largest accepted request body. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/** The request body of `POST /query`. */
export interface QueryRequest {
  readonly sql: string;
}

/**
 * Answers read-only SQL for other processes while `shopstream up` holds the DuckDB file: `shopstream
 * query` in another terminal finds it through the discovery file and posts its SQL here.
 *
 * It is not the dashboard: it listens on its own loopback-only port, asks for the random token from the
 * discovery file (readable by the owner only), and runs a statement only when DuckDB's parser says every
 * statement in it is a SELECT ({@link ReadOnlySqlGuard}).
 */
export class QueryServer {
  private readonly server: Server;
  private readonly guard = new ReadOnlySqlGuard();
  private readonly token: Buffer;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: QueryServerOptions) {
    this.token = Buffer.from(options.token);
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => reply(res, 500, errorBody(error)));
    });
  }

  /** Listens on 127.0.0.1 (never another address) and resolves with the port. */
  start(port = 0): Promise<number> {
    return listen(this.server, port, '127.0.0.1');
  }

  /** Where it listens (always 127.0.0.1), once started. */
  address(): AddressInfo | string | null {
    return this.server.address();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.guard.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/query')
      return reply(
        res,
        404,
        errorBody(new ShopstreamError('SHOP_E_HTTP_BAD_REQUEST', 'no such path; use POST /query')),
      );
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return reply(res, 405, errorBody(new ShopstreamError('SHOP_E_HTTP_BAD_REQUEST', 'use POST /query')));
    }
    if (!this.authorized(req.headers.authorization)) {
      req.resume();
      return reply(
        res,
        401,
        errorBody(new ShopstreamError('SHOP_E_HTTP_BAD_REQUEST', 'missing or wrong bearer token')),
      );
    }
    const body = await readBody(req, this.maxBodyBytes);
    if (body === undefined)
      return reply(
        res,
        413,
        errorBody(
          new ShopstreamError('SHOP_E_HTTP_BAD_REQUEST', `the body is over ${this.maxBodyBytes} bytes`),
        ),
      );
    let sql: unknown;
    try {
      sql = (JSON.parse(body) as Partial<QueryRequest>).sql;
    } catch {
      sql = undefined;
    }
    if (typeof sql !== 'string')
      return reply(
        res,
        400,
        errorBody(new ShopstreamError('SHOP_E_HTTP_BAD_REQUEST', 'expected a JSON body {"sql": "…"}')),
      );
    try {
      await this.guard.check(sql);
      const started = performance.now();
      const result = await this.options.warehouse.query(sql);
      this.options.logger.debug(
        { ms: Math.round(performance.now() - started), rows: result.rows.length },
        'answered a query for another process',
      );
      reply(res, 200, { columns: result.columns, rows: result.rows });
    } catch (error) {
      reply(res, error instanceof ShopstreamError ? 400 : 500, errorBody(error));
    }
  }

  private authorized(header: string | undefined): boolean {
    const presented = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
    return presented.length === this.token.length && timingSafeEqual(presented, this.token);
  }
}

function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function errorBody(error: unknown): { error: { code: string; message: string } } {
  return error instanceof ShopstreamError
    ? { error: { code: error.code, message: error.message } }
    : { error: { code: 'SHOP_E_INTERNAL', message: (error as Error)?.message ?? String(error) } };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, jsonSafe));
}

/** DuckDB hands out BIGINT and HUGEINT as bigint, which JSON cannot hold. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}
