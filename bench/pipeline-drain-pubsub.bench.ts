/**
 * Pipeline drain on the official Pub/Sub emulator, beside the bare @google-cloud/pubsub subscriber
 * (receive + ack, nothing else) draining the same number of messages in the same run. Target: the
 * pipeline reaches ≥ 80 % of the bare subscriber. BENCH_PUBSUB_EVENTS sets the backlog (default 50,000).
 */
import { openBus } from '../src/bus/open-bus.js';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { createLocalStack } from '../test/support/local-stack.js';
import { startPubSubEmulator } from '../test/support/pubsub-emulator.js';
import { drainInProcess } from '../test/support/run-pipeline-in-process.js';
import { median, printResult, runsFromEnv } from './bench-result.js';
import { measureBareSubscriberDrain } from './pubsub-drain-baseline.js';

const events = Number(process.env.BENCH_PUBSUB_EVENTS ?? 50_000);
const runs = runsFromEnv(3);
const emulator = await startPubSubEmulator();
if (!emulator) throw new Error('the Pub/Sub emulator is not installed');
process.env.PUBSUB_EMULATOR_HOST = emulator.host;

const generator = new TrafficGenerator({
  profile: 'shop',
  seed: 2,
  universe: buildReferenceUniverse({ seed: 42 }),
  clock: 'wall',
});
const payloads = Array.from({ length: events }, () => generator.next().data);
const messageBytes = Math.round(payloads.reduce((s, p) => s + p.length, 0) / events);

async function pipelineOnce(run: number): Promise<number> {
  const stack = await createLocalStack({ bus: `pubsub:shopstream-bench-${run}` });
  try {
    const bus = await openBus(stack.config.bus);
    await bus.start();
    for (let i = 0; i < payloads.length; i += 1_000)
      await bus.publish(
        stack.config.topic,
        payloads.slice(i, i + 1_000).map((data) => ({ data })),
      );
    await bus.close();
    const stats = await drainInProcess(stack.config, { idleMs: 3_000 });
    if (stats.accepted < events) throw new Error(`drained ${stats.accepted} of ${events}`);
    return (stats.accepted * 1000) / (stats.lastAckAt - stats.startedAt);
  } finally {
    stack.remove();
  }
}

const pipeline: number[] = [];
const bare: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    bare.push((await measureBareSubscriberDrain(emulator.host, events, { messageBytes })).messagesPerSecond);
    pipeline.push(await pipelineOnce(run));
    process.stderr.write(
      `run ${run + 1}: pipeline ${Math.round(pipeline[run]!)} events/s, bare subscriber ${Math.round(bare[run]!)} msg/s\n`,
    );
  }
} finally {
  await emulator.stop();
}
printResult({
  name: 'pipeline-drain-pubsub-emulator',
  description: `drain ${events.toLocaleString('en-US')} events (~${messageBytes} B) from the official Pub/Sub emulator into lake + DuckDB`,
  value: median(pipeline),
  unit: 'events/s',
  runs: pipeline,
  target: '≥ 80 % of the bare subscriber',
  baseline: {
    name: 'bare @google-cloud/pubsub subscriber (receive + ack)',
    value: median(bare),
    unit: 'msg/s',
  },
});
