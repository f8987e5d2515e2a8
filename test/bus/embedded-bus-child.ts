/**
 * A separate process on an embedded bus folder, for the crash and cross-process tests. It reports on
 * stdout, one JSON line per event (stdout to a pipe is synchronous on Linux, so a line printed is a
 * line the parent gets, even when this process is SIGKILLed right after).
 *
 *   tsx test/bus/embedded-bus-child.ts publish <folder> <topic> <batchSize>
 *       publishes batches forever; after each publish resolves: {"published":[ids…]}
 *   tsx test/bus/embedded-bus-child.ts consume <folder> <subscription> <ackFirst> [hold]
 *       acks the first <ackFirst> messages it receives and, with `hold`, holds every later one
 *       unacked (else acks them too); prints {"received":id,"attempt":n} per delivery and
 *       {"acked":[ids…]} once the acks of the first <ackFirst> have been written; {"ready":true}
 *       once subscribed.
 */
import { EmbeddedBus } from '../../src/bus/embedded/embedded-bus.js';
import type { ReceivedMessage } from '../../src/bus/message-bus.js';

const [mode, directory, name, arg, hold] = process.argv.slice(2);
if (!mode || !directory || !name || !arg) throw new Error('usage: see the comment at the top of this file');
const say = (event: unknown) => process.stdout.write(`${JSON.stringify(event)}\n`);
const bus = new EmbeddedBus({ directory });
await bus.start();

if (mode === 'publish') {
  const size = Number(arg);
  for (let batch = 0; ; batch++) {
    const messages = Array.from({ length: size }, (_, i) => ({
      data: Buffer.from(JSON.stringify({ batch, i, pad: 'x'.repeat(300) })),
    }));
    say({ published: await bus.publish(name, messages) });
  }
} else if (mode === 'consume') {
  const ackFirst = Number(arg);
  const acked: ReceivedMessage[] = [];
  bus.subscribe(
    name,
    (message) => {
      say({ received: message.id, attempt: message.deliveryAttempt });
      if (acked.length < ackFirst) {
        message.ack();
        acked.push(message);
        // Acks are written within a few ms; report them once they surely are.
        if (acked.length === ackFirst) setTimeout(() => say({ acked: acked.map((m) => m.id) }), 200);
      } else if (hold !== 'hold') message.ack();
    },
    { onError: (error) => say({ error: error.message }) },
  );
  say({ ready: true });
} else throw new Error(`unknown mode ${mode}`);
