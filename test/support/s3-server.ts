import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** s3rver's fixed credentials: it checks request signatures against them. */
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';
const REGION = 'us-east-1';

/**
 * Runs s3rver in a child process and prints its port. Node 17+ (OpenSSL 3) disables DES, which s3rver
 * uses for ListObjectsV2 continuation tokens, so the child runs with `--openssl-legacy-provider`;
 * without it every truncated listing answers 500. The child exits when the parent's pipe closes.
 */
const CHILD = `
const S3rver = require(process.argv[1]);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] });
server.run().then(({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'));
process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
`;

/**
 * A local S3-compatible server (s3rver, on npm) on a free port of 127.0.0.1, in a child process,
 * storing into a temp folder that `close()` removes.
 *
 * @example
 * const s3 = await startS3Server({ buckets: ['history'] });
 * await s3.putObject('history', 'backup/events_1.json', '{"a":1}\n');
 * // in-process: new S3Source({ ..., endpoint: s3.endpoint }) with s3.env applied to process.env,
 * // or a child process: spawn('shopstream', ['backfill', '--from', 's3://history/backup/'], { env: { ...process.env, ...s3.env } })
 * await s3.close();
 */
export interface S3TestServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The standard AWS variables that point the SDK (and shopstream's S3 source) at this server. */
  readonly env: Readonly<Record<string, string>>;
  /** An SDK client for this server. */
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  putObject(bucket: string, key: string, body: Buffer | string): Promise<void>;
  close(): Promise<void>;
}

export async function startS3Server(options: { buckets?: readonly string[] } = {}): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'shopstream-s3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', CHILD, createRequire(import.meta.url).resolve('s3rver'), directory],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0]!;
      if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
  const s3: S3TestServer = {
    endpoint,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    },
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async putObject(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async close() {
      client.destroy();
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
  for (const bucket of options.buckets ?? []) await s3.createBucket(bucket);
  return s3;
}
