/**
 * The generator as a Google Cloud Function (Node.js Functions Framework, 2nd gen): the HTTP entry
 * point `publish_trigger`, compatible with the original function (`GET|POST …/publish_trigger?count=N`
 * → `{"published", "by_type"}`).
 *
 * Configuration comes from the environment like every shopstream process: `SHOPSTREAM_BUS`
 * (`pubsub:<project>`; the emulator via `PUBSUB_EMULATOR_HOST`), `SHOPSTREAM_TOPIC`, `SHOPSTREAM_SEED`
 * (the reference universe, which must match the warehouse's ref_ tables),
 * `SHOPSTREAM_GENERATOR_MAX_TRIGGER_COUNT`, `SHOPSTREAM_GENERATOR_PROFILE` (demo, shop, or a profile
 * file in the deployed source) and `SHOPSTREAM_GENERATOR_TIME_SCALE`. An invalid configuration (a bad
 * profile file included) fails the instance at start-up, not the first request. Event times follow the wall clock (live traffic); each instance draws its
 * traffic from a random seed, so instances do not send identical streams.
 *
 * Deployed: package.json `main` names the compiled module (dist/src/generator/cloud-function.js).
 * Locally, without compiling:
 *   node --import tsx node_modules/@google-cloud/functions-framework/build/src/main.js \
 *     --target=publish_trigger --source=src/generator/cloud-function.ts --port=8080
 */
import * as functions from '@google-cloud/functions-framework';
import { randomInt } from 'node:crypto';
import { openBus } from '../bus/open-bus.js';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/settings.js';
import { ShopstreamError } from '../errors/shopstream-error.js';
import { createLogger } from '../telemetry/logger.js';
import { createPublishTrigger } from './publish-trigger.js';
import { buildReferenceUniverse } from './reference-universe.js';
import { chooseTraffic, type TrafficChoice } from './traffic-choice.js';
import { TrafficGenerator } from './traffic-generator.js';

const { config, traffic } = startUp();
const logger = createLogger(config.logLevel, 'publish_trigger');

const handler = createPublishTrigger({
  bus: async () => {
    const bus = await openBus(config.bus);
    await bus.start();
    return bus;
  },
  topic: config.topic,
  generator: new TrafficGenerator({
    seed: randomInt(2 ** 31 - 1),
    universe: buildReferenceUniverse({ seed: config.seed }),
    clock: 'wall',
    start: new Date(),
    profile: traffic.profile,
    timeScale: traffic.timeScale,
  }),
  maxCount: config['generator.maxTriggerCount'],
  // The function's URL already names it, so its requests arrive at `/`; keep the long path working too.
  paths: ['/', '/publish_trigger'],
  logger,
});

functions.http('publish_trigger', (req, res) => void handler(req, res));

/**
 * The configuration and the traffic profile. The Functions Framework reports a module that fails to
 * load with its stack only; the line before it names the code and the fix, as the CLI does.
 */
function startUp(): { config: Config; traffic: TrafficChoice } {
  try {
    const config = loadConfig();
    return { config, traffic: chooseTraffic(config, {}, true) };
  } catch (error) {
    if (error instanceof ShopstreamError)
      process.stderr.write(`shopstream: ${error.code}: ${error.message}\n`);
    throw error;
  }
}
