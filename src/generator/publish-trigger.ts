import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MessageBus } from '../bus/message-bus.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import type { Logger } from '../telemetry/logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { GeneratedTally } from './generated-message.js';
import type { MessageSource } from './generation-run.js';
import { publishGenerated } from './publish-generated.js';

export const DEFAULT_MAX_TRIGGER_COUNT = 100_000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Options of {@link createPublishTrigger}. */
export interface PublishTriggerOptions {
  /** The bus to publish to, or a function that opens it on first use (a function's cold start). */
  readonly bus: MessageBus | (() => Promise<MessageBus>);
  readonly topic: string;
  /** One generator for the life of the server, so stories continue across requests. */
  readonly generator: MessageSource;
  /** Largest `count` one request may ask for. Default 100,000. */
  readonly maxCount?: number;
  /**
   * Paths that answer. Default `/publish_trigger`. A deployed Cloud Function also sees `/`: its URL
   * (…/publish_trigger) already names it.
   */
  readonly paths?: readonly string[];
  /** Largest request body read; larger bodies answer 413. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  readonly telemetry?: Telemetry;
  readonly logger?: Logger;
}

/** A Node/Express request as the Functions Framework hands it over: the body may already be read. */
type TriggerRequest = IncomingMessage & { rawBody?: Buffer; body?: unknown };

/** The `(req, res)` handler of `publish_trigger`. */
export type PublishTriggerHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/**
 * The HTTP function of the original deployment, `GET|POST /publish_trigger?count=N`: publishes N
 * generated events and answers `{"published": N, "by_type": {"order": …, "inventory": …,
 * "user_activity": …}, "invalid": …}`.
 *
 * A missing, non-numeric, < 1 or > maxCount `count` answers 400 and publishes nothing; other paths
 * 404, other methods 405, bodies over maxBodyBytes 413, all as `{"error": {"code", "message"}}`.
 * A POST may carry `{"count": N}` as a JSON body instead of the query parameter. It is a plain
 * node:http handler, so the same function serves `shopstream generator serve` and the Functions
 * Framework (src/generator/cloud-function.ts).
 */
export function createPublishTrigger(options: PublishTriggerOptions): PublishTriggerHandler {
  const maxCount = options.maxCount ?? DEFAULT_MAX_TRIGGER_COUNT;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const paths = new Set(options.paths ?? ['/publish_trigger']);
  let bus: Promise<MessageBus> | undefined;
  const busOf = (): Promise<MessageBus> => {
    if (!bus) {
      const source = options.bus;
      bus = typeof source === 'function' ? source() : Promise.resolve(source);
      // A failed cold start must not poison every later request.
      bus.catch(() => (bus = undefined));
    }
    return bus;
  };

  return async (req, res) => {
    const tally = new GeneratedTally();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!paths.has(url.pathname))
        throw new HttpError(404, `no such path ${url.pathname}; use ${[...paths][0]}?count=N`);
      if (req.method !== 'GET' && req.method !== 'POST')
        throw new HttpError(405, `method ${req.method} is not allowed; use GET or POST`, {
          Allow: 'GET, POST',
        });
      const body = await readBody(req as TriggerRequest, maxBodyBytes);
      const count = parseCount(url.searchParams.getAll('count'), body, req, maxCount);
      const target = await busOf();
      const result = await publishGenerated(
        target,
        options.topic,
        options.generator,
        { count },
        {
          tally,
          ...(options.telemetry ? { telemetry: options.telemetry } : {}),
        },
      );
      options.logger?.info(
        { count, byType: result.byType, invalid: result.invalid },
        'publish_trigger published',
      );
      send(res, 200, {
        published: result.published,
        by_type: result.byType,
        invalid: result.invalid,
      });
    } catch (error) {
      if (error instanceof HttpError) {
        send(
          res,
          error.status,
          { error: { code: 'SHOP_E_HTTP_BAD_REQUEST', message: error.message } },
          error.headers,
        );
        return;
      }
      const known = error instanceof ShopstreamError;
      options.logger?.error({ err: error, published: tally.published }, 'publish_trigger failed');
      send(res, known && error.retryable ? 503 : 500, {
        error: {
          code: known ? error.code : 'SHOP_E_INTERNAL',
          message: known ? error.message : `publishing failed: ${(error as Error)?.message ?? String(error)}`,
        },
        published: tally.published,
        by_type: tally.byType,
      });
    }
  };
}

function parseCount(values: string[], body: unknown, req: IncomingMessage, maxCount: number): number {
  const expected = `count must be a whole number from 1 to ${maxCount}`;
  if (values.length > 1) throw new HttpError(400, `count is given ${values.length} times; give it once`);
  let raw: unknown = values[0];
  if (raw === undefined && req.method === 'POST' && body && typeof body === 'object' && 'count' in body)
    raw = (body as { count: unknown }).count;
  if (raw === undefined || raw === '')
    throw new HttpError(400, `count is missing; call publish_trigger?count=N (${expected})`);
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  const count = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > maxCount)
    throw new HttpError(400, `${expected}; got ${JSON.stringify(raw).slice(0, 40)}`);
  return count;
}

/**
 * The request body as JSON when it is JSON, else undefined; at most `maxBytes` are read. Under the
 * Functions Framework, Express has already read it into `rawBody`.
 */
async function readBody(req: TriggerRequest, maxBytes: number): Promise<unknown> {
  let bytes: Buffer;
  if (req.rawBody !== undefined || req.readableEnded) {
    bytes = req.rawBody ?? Buffer.alloc(0);
    if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  } else {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) throw tooLarge(maxBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
    bytes = Buffer.concat(chunks);
  }
  if (bytes.length === 0 || !/json/i.test(String(req.headers['content-type'] ?? ''))) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON; send {"count": N} or use ?count=N');
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(
    413,
    `the request body is larger than ${maxBytes} bytes; send {"count": N} or use ?count=N`,
    {
      Connection: 'close',
    },
  );
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}
