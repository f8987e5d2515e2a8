/**
 * Runs the local BigQuery protocol server in its own process, for benchmarks (so the server's work
 * does not share the client's event loop) and for trying the adapter by hand:
 *
 *   npx tsx test/support/fake-bigquery/serve.ts [projectId]
 *
 * Prints one JSON line `{"restUrl": …, "grpcEndpoint": …}` on stdout once both ports listen, and
 * stops when stdin closes or on SIGTERM/SIGINT.
 */
import { FakeBigQueryServer } from '../fake-bigquery-server.js';

const server = await FakeBigQueryServer.start({ defaultProjectId: process.argv[2] ?? 'test-project' });
process.stdout.write(`${JSON.stringify({ restUrl: server.restUrl, grpcEndpoint: server.grpcEndpoint })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void server.close().then(() => process.exit(0));
};
process.stdin.on('end', stop).on('close', stop).resume();
process.on('SIGTERM', stop).on('SIGINT', stop);
