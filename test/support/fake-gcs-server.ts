import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An object as the fake server stores it. */
export interface FakeGcsObject {
  readonly data: Buffer;
  readonly contentType: string;
  /** Custom metadata sent with the upload (`metadata.metadata`). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly generation: number;
  readonly updated: Date;
  /** Base64 MD5 of data, as the service reports it. */
  readonly md5Hash: string;
  /** Base64 big-endian CRC32C of data, as the service reports it. */
  readonly crc32c: string;
}

/** One request the server answered. */
export interface FakeGcsRequest {
  readonly method: string;
  /** Path without the query, still URL-encoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly status: number;
}

/** Which requests a {@link FakeGcsServer.failNext} fault applies to. */
export type FakeGcsOperation = 'upload' | 'download' | 'list' | 'any';

interface Fault {
  remaining: number;
  readonly status: number | 'reset';
  readonly operation: FakeGcsOperation;
}

/**
 * A small local server speaking the parts of the Cloud Storage JSON API that `@google-cloud/storage`
 * uses for shopstream, since no Cloud Storage emulator exists here. Objects live in memory.
 *
 * Point a client at {@link url} with the Storage `apiEndpoint` option, or with
 * `STORAGE_EMULATOR_HOST=<url>` (the library then sends metadata requests without `/storage/v1`, which
 * is also served). Supported:
 * - uploads `POST /upload/storage/v1/b/{bucket}/o?uploadType=media|multipart&name=…` (with
 *   `ifGenerationMatch`); resumable sessions are refused with 501 so a test notices them;
 * - `GET …/b/{bucket}/o/{object}` (metadata, or the bytes with `alt=media`), `DELETE` of an object;
 * - `GET …/b/{bucket}/o` (list with `prefix`, `delimiter`, `maxResults`, `pageToken`), sorted in
 *   byte order like the service;
 * - `GET …/b/{bucket}` and `GET …/b/{bucket}/iam/testPermissions` (grants everything asked, or for a
 *   bucket made {@link setReadOnly}, what the Storage Object Viewer role grants).
 *
 * Anything else is logged to stderr, recorded in {@link unsupported} and answered 501. Hashes
 * (`md5Hash`, `crc32c`, `x-goog-hash`) are real, so the client's integrity checks run.
 *
 * @example
 * const gcs = await FakeGcsServer.start({ buckets: ['lake'] });
 * const lake = new GcsLake({ uri: 'gs://lake', bucket: 'lake', apiEndpoint: gcs.url });
 * gcs.failNext(1, 503); // the next upload fails once
 * await gcs.close();
 */
export class FakeGcsServer {
  /** Every request answered, in order. */
  readonly requests: FakeGcsRequest[] = [];
  /** Requests the server does not implement ("METHOD /path?query"); a test should expect none. */
  readonly unsupported: string[] = [];
  private readonly buckets = new Map<string, Map<string, FakeGcsObject>>();
  private readonly faults: Fault[] = [];
  private readonly readOnlyBuckets = new Set<string>();
  private generation = 0;

  private readonly server: Server;
  private baseUrl = '';

  private constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        process.stderr.write(`[fake-gcs] handler failed: ${String(error)}\n`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  /** Starts a server on a free port of 127.0.0.1 with the given (empty) buckets. */
  static async start(options: { buckets?: readonly string[] } = {}): Promise<FakeGcsServer> {
    const fake = new FakeGcsServer();
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    for (const bucket of options.buckets ?? []) fake.createBucket(bucket);
    return fake;
  }

  /** Base URL, `http://127.0.0.1:<port>`: the Storage `apiEndpoint`, or `STORAGE_EMULATOR_HOST`. */
  get url(): string {
    return this.baseUrl;
  }

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  /**
   * The stored objects: of one bucket keyed by object name, or of all buckets keyed `bucket/name`.
   * A copy: changing it changes nothing on the server.
   */
  objects(bucket?: string): Map<string, FakeGcsObject> {
    if (bucket !== undefined) return new Map(this.buckets.get(bucket) ?? []);
    const all = new Map<string, FakeGcsObject>();
    for (const [b, objects] of this.buckets)
      for (const [name, object] of objects) all.set(`${b}/${name}`, object);
    return all;
  }

  /** Stores an object directly (to seed a test), creating the bucket if needed. */
  putObject(
    bucket: string,
    name: string,
    data: Buffer | string,
    contentType = 'application/octet-stream',
  ): void {
    this.createBucket(bucket);
    this.store(bucket, name, Buffer.from(data), contentType, {});
  }

  /**
   * Answers for `bucket` as to an identity that may only read it (the Storage Object Viewer role):
   * testPermissions grants only `storage.objects.get` and `storage.objects.list`, and an upload, a
   * delete or a read of the bucket's own metadata is refused with 403 as the service refuses it.
   * `false` grants everything again.
   */
  setReadOnly(bucket: string, readOnly = true): void {
    if (readOnly) this.readOnlyBuckets.add(bucket);
    else this.readOnlyBuckets.delete(bucket);
  }

  /**
   * Makes the next `count` requests of an operation fail: with an HTTP status (a GCS-style JSON
   * error), or `'reset'` to destroy the connection before answering.
   */
  failNext(count: number, status: number | 'reset', operation: FakeGcsOperation = 'upload'): void {
    this.faults.push({ remaining: count, status, operation });
  }

  /** Requests answered so far for one operation. */
  requestsOf(operation: Exclude<FakeGcsOperation, 'any'>): FakeGcsRequest[] {
    return this.requests.filter((r) => operationOf(r.method, r.path, r.query) === operation);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const cut = raw.indexOf('?');
    const path = cut === -1 ? raw : raw.slice(0, cut);
    const query = new URLSearchParams(cut === -1 ? '' : raw.slice(cut + 1));
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const record = (status: number): void => {
      this.requests.push({ method, path, query, status });
    };

    const fault = this.takeFault(operationOf(method, path, query));
    if (fault === 'reset') {
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault !== undefined) {
      record(sendError(res, fault, `injected failure ${fault}`));
      return;
    }

    const status = this.route(method, path, query, req, body, res);
    record(status);
  }

  /** Answers one request and returns its status. */
  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): number {
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (upload && method === 'POST' && this.readOnlyBuckets.has(decodeURIComponent(upload[1]!)))
      return denied(res, 'storage.objects.create');
    if (upload && method === 'POST')
      return this.upload(decodeURIComponent(upload[1]!), query, req, body, res);

    const object = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (object && (method === 'GET' || method === 'DELETE') && !req.headers.range) {
      const bucket = this.buckets.get(decodeURIComponent(object[1]!));
      if (!bucket) return sendError(res, 404, 'The specified bucket does not exist.');
      const name = decodeURIComponent(object[2]!);
      const found = bucket.get(name);
      if (!found) return sendError(res, 404, `No such object: ${object[1]}/${name}`);
      if (method === 'DELETE') {
        if (this.readOnlyBuckets.has(decodeURIComponent(object[1]!)))
          return denied(res, 'storage.objects.delete');
        bucket.delete(name);
        res.writeHead(204).end();
        return 204;
      }
      if (query.get('alt') === 'media') {
        res.writeHead(200, {
          'content-type': found.contentType,
          'content-length': String(found.data.length),
          'x-goog-hash': `crc32c=${found.crc32c},md5=${found.md5Hash}`,
          'x-goog-stored-content-encoding': 'identity',
          'x-goog-generation': String(found.generation),
        });
        res.end(found.data);
        return 200;
      }
      return sendJson(res, 200, resourceOf(decodeURIComponent(object[1]!), name, found));
    }

    const list = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o$/.exec(path);
    if (list && method === 'GET') return this.list(decodeURIComponent(list[1]!), query, res);

    const bucketPath = /^(?:\/storage\/v1)?\/b\/([^/]+)(\/iam\/testPermissions)?$/.exec(path);
    if (bucketPath && method === 'GET') {
      const name = decodeURIComponent(bucketPath[1]!);
      if (!this.buckets.has(name)) return sendError(res, 404, 'The specified bucket does not exist.');
      const readOnly = this.readOnlyBuckets.has(name);
      if (bucketPath[2])
        return sendJson(res, 200, {
          kind: 'storage#testIamPermissionsResponse',
          permissions: query.getAll('permissions').filter((p) => !readOnly || OBJECT_VIEWER.has(p)),
        });
      if (readOnly) return denied(res, 'storage.buckets.get');
      return sendJson(res, 200, {
        kind: 'storage#bucket',
        id: name,
        name,
        location: 'US',
        storageClass: 'STANDARD',
      });
    }

    const what = `${method} ${path}${query.size ? `?${query}` : ''}${req.headers.range ? ` (Range: ${req.headers.range})` : ''}`;
    this.unsupported.push(what);
    process.stderr.write(`[fake-gcs] UNSUPPORTED REQUEST ${what}\n`);
    return sendError(res, 501, `fake-gcs-server does not implement ${what}`);
  }

  private upload(
    bucketName: string,
    query: URLSearchParams,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): number {
    const type = query.get('uploadType');
    if (type !== 'media' && type !== 'multipart') {
      const what = `POST upload uploadType=${type}`;
      this.unsupported.push(what);
      process.stderr.write(`[fake-gcs] UNSUPPORTED REQUEST ${what}\n`);
      return sendError(res, 501, `fake-gcs-server does not implement uploadType=${type}`);
    }
    const bucket = this.buckets.get(bucketName);
    if (!bucket) return sendError(res, 404, 'The specified bucket does not exist.');

    let name = query.get('name') ?? undefined;
    let data = body;
    let contentType = req.headers['content-type'] ?? 'application/octet-stream';
    let metadata: Record<string, string> = {};
    if (type === 'multipart') {
      const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
      const parts = boundary ? parseMultipart(body, boundary) : undefined;
      if (!parts || parts.length !== 2) return sendError(res, 400, 'malformed multipart body');
      const resource = JSON.parse(parts[0]!.body.toString('utf8')) as {
        name?: string;
        contentType?: string;
        metadata?: Record<string, string>;
      };
      name = name ?? resource.name;
      data = parts[1]!.body;
      contentType = resource.contentType ?? parts[1]!.contentType ?? 'application/octet-stream';
      metadata = resource.metadata ?? {};
    }
    if (!name) return sendError(res, 400, 'Required parameter: name');

    const ifGenerationMatch = query.get('ifGenerationMatch');
    if (ifGenerationMatch !== null && String(bucket.get(name)?.generation ?? 0) !== ifGenerationMatch)
      return sendError(res, 412, 'At least one of the pre-conditions you specified did not hold.');

    const stored = this.store(bucketName, name, data, contentType, metadata);
    return sendJson(res, 200, resourceOf(bucketName, name, stored));
  }

  private list(bucketName: string, query: URLSearchParams, res: ServerResponse): number {
    const bucket = this.buckets.get(bucketName);
    if (!bucket) return sendError(res, 404, 'The specified bucket does not exist.');
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const maxResults = Math.min(1000, Number(query.get('maxResults') ?? 1000) || 1000);
    const after = query.get('pageToken')
      ? Buffer.from(query.get('pageToken')!, 'base64url').toString('utf8')
      : '';

    // Entries are objects, or with a delimiter the "folders" that group objects, all in byte order.
    const entries = new Map<string, { prefix: string } | { name: string; object: FakeGcsObject }>();
    for (const [name, object] of bucket) {
      if (!name.startsWith(prefix)) continue;
      const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
      if (cut === -1) entries.set(name, { name, object });
      else
        entries.set(name.slice(0, cut + delimiter.length), { prefix: name.slice(0, cut + delimiter.length) });
    }
    const sorted = [...entries.keys()]
      .filter((key) => after === '' || byteOrder(key, after) > 0)
      .sort(byteOrder);
    const page = sorted.slice(0, maxResults);
    const items = [];
    const prefixes = [];
    for (const key of page) {
      const entry = entries.get(key)!;
      if ('prefix' in entry) prefixes.push(entry.prefix);
      else items.push(resourceOf(bucketName, entry.name, entry.object));
    }
    return sendJson(res, 200, {
      kind: 'storage#objects',
      ...(items.length ? { items } : {}),
      ...(prefixes.length ? { prefixes } : {}),
      ...(sorted.length > maxResults
        ? { nextPageToken: Buffer.from(page.at(-1)!).toString('base64url') }
        : {}),
    });
  }

  private store(
    bucket: string,
    name: string,
    data: Buffer,
    contentType: string,
    metadata: Record<string, string>,
  ): FakeGcsObject {
    const object = {
      data,
      contentType,
      metadata,
      generation: ++this.generation,
      updated: new Date(),
      md5Hash: md5Base64(data),
      crc32c: crc32cBase64(data),
    };
    this.buckets.get(bucket)!.set(name, object);
    return object;
  }

  private takeFault(operation: Exclude<FakeGcsOperation, 'any'> | undefined): number | 'reset' | undefined {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (f.operation === 'any' || f.operation === operation),
    );
    if (!fault) return undefined;
    fault.remaining--;
    return fault.status;
  }
}

function operationOf(
  method: string,
  path: string,
  query: URLSearchParams,
): Exclude<FakeGcsOperation, 'any'> | undefined {
  if (method === 'POST' && path.startsWith('/upload/')) return 'upload';
  if (method === 'GET' && /\/o\/.+$/.test(path) && query.get('alt') === 'media') return 'download';
  if (method === 'GET' && /\/o$/.test(path)) return 'list';
  return undefined;
}

function resourceOf(bucket: string, name: string, object: FakeGcsObject): Record<string, unknown> {
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${object.generation}`,
    name,
    bucket,
    generation: String(object.generation),
    metageneration: '1',
    contentType: object.contentType,
    size: String(object.data.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    storageClass: 'STANDARD',
    timeCreated: object.updated.toISOString(),
    updated: object.updated.toISOString(),
    ...(Object.keys(object.metadata).length ? { metadata: object.metadata } : {}),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): number {
  const text = JSON.stringify(body);
  // The client parses a body as JSON only with exactly this content type.
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
  return status;
}

/** What the Storage Object Viewer role grants on a bucket's objects (see setReadOnly). */
const OBJECT_VIEWER: ReadonlySet<string> = new Set(['storage.objects.get', 'storage.objects.list']);

/** A 403 in the service's words for an identity that lacks `permission`. */
function denied(res: ServerResponse, permission: string): number {
  const resource = permission.startsWith('storage.buckets.') ? 'bucket' : 'object';
  return sendError(
    res,
    403,
    `reader@test.iam.gserviceaccount.com does not have ${permission} access to the Google Cloud Storage ${resource}. Permission '${permission}' denied on resource (or it may not exist).`,
  );
}

function sendError(res: ServerResponse, status: number, message: string): number {
  return sendJson(res, status, {
    error: { code: status, message, errors: [{ message, domain: 'global', reason: reasonOf(status) }] },
  });
}

function reasonOf(status: number): string {
  return (
    {
      400: 'invalid',
      401: 'required',
      403: 'forbidden',
      404: 'notFound',
      412: 'conditionNotMet',
      429: 'rateLimitExceeded',
    }[status] ?? 'backendError'
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Splits a `multipart/related` body into its parts, byte-exactly. */
function parseMultipart(
  body: Buffer,
  boundary: string,
): { contentType?: string; body: Buffer }[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = [];
  let at = body.indexOf(delimiter);
  if (at === -1) return undefined;
  for (;;) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') return parts;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), start);
    if (next === -1) return undefined;
    const part = body.subarray(start + 2, next); // after the CRLF that ends the delimiter line
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) return undefined;
    const headers = part.subarray(0, headerEnd).toString('utf8');
    parts.push({
      contentType: /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim(),
      body: part.subarray(headerEnd + 4),
    });
    at = next + 2;
  }
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

/** CRC32C (Castagnoli), as Cloud Storage reports it: big-endian, base64. Written out so the client's own check is independent. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}
