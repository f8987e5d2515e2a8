/**
 * Another process that holds one streaming pull of a Pub/Sub subscription and never acks, for
 * test/support/front-end-proxy.test.ts:
 *
 *   node --import tsx test/support/stream-holder.ts <host:port> <subscription>
 *
 * Opens the stream (stream ack deadline 10 s, at most 100 messages outstanding), prints `holding`
 * once the first messages arrived, and then holds them until it is killed or its connection dies.
 */
import { credentials } from '@grpc/grpc-js';
import { v1 } from '@google-cloud/pubsub';

const [host, subscription] = process.argv.slice(2);
if (!host || !subscription) throw new Error('usage: stream-holder.ts <host:port> <subscription>');
const [servicePath, port] = host.split(':');
const client = new v1.SubscriberClient({
  servicePath: servicePath!,
  port: Number(port),
  sslCreds: credentials.createInsecure(),
});
const stream = client.streamingPull();
// A cut connection is what the tests do to this process; it just holds on until killed.
stream.on('error', () => undefined);
stream.once('data', () => process.stdout.write('holding\n'));
stream.write({ subscription, streamAckDeadlineSeconds: 10, maxOutstandingMessages: 100 });
setInterval(() => undefined, 60_000);
