/**
 * Contract speed on one core: EventValidator.validate on pre-parsed events (parse excluded; target
 * ≥ 300,000 events/s), and MessageChecker.check from bytes (decode, structure checks, validate,
 * event_id). Events are the generator's realistic mix.
 *
 *   npx tsx bench/validation.bench.ts
 *   BENCH_RUNS=5 BENCH_VALIDATION_EVENTS=200000 npx tsx bench/validation.bench.ts
 */
import { EventValidator } from '../src/contract/event-validator.js';
import { MessageChecker } from '../src/contract/message-checker.js';
import { buildReferenceUniverse } from '../src/generator/reference-universe.js';
import { TrafficGenerator } from '../src/generator/traffic-generator.js';
import { median, printResult, runsFromEnv } from './bench-result.js';

const runs = runsFromEnv(3);
const count = Number(process.env.BENCH_VALIDATION_EVENTS ?? 100_000);
const passes = 5;

const generator = new TrafficGenerator({
  profile: 'shop',
  seed: 1,
  universe: buildReferenceUniverse({ seed: 42 }),
});
// Skip the shop's opening (mostly logins) so the mix of types is the steady one.
generator.take(300_000);
const messages = generator.take(count);
const bytes = messages.map((m) => m.data);
const validator = new EventValidator();
const checker = new MessageChecker();

// validate() normalizes timestamps in place; validating once first makes every later pass see the
// same, already-normalized objects, so repeated passes measure the same work without cloning.
const objects = bytes.map((b) => JSON.parse(b.toString('utf8')) as Record<string, unknown>);
for (const object of objects)
  if (!validator.validate(object).ok) throw new Error('generator produced an invalid event');

/** Events per second of wall time; also records events per CPU second (steadier on a busy machine). */
function rate(work: () => void, n: number, cpuRates?: number[]): number {
  const cpu = process.cpuUsage();
  const started = performance.now();
  work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  cpuRates?.push(n / ((used.user + used.system) / 1e6));
  return n / seconds;
}

const validateRates: number[] = [];
const validateCpuRates: number[] = [];
const checkRates: number[] = [];
const parseRates: number[] = [];
for (let run = 0; run < runs; run++) {
  validateRates.push(
    rate(
      () => {
        let ok = 0;
        for (let p = 0; p < passes; p++)
          for (const object of objects) if (validator.validate(object).ok) ok++;
        if (ok !== objects.length * passes) throw new Error('validation failed');
      },
      objects.length * passes,
      validateCpuRates,
    ),
  );
  checkRates.push(
    rate(() => {
      let ok = 0;
      for (const b of bytes) if (checker.check(b).ok) ok++;
      if (ok !== bytes.length) throw new Error('check failed');
    }, bytes.length),
  );
  parseRates.push(
    rate(() => {
      let n = 0;
      for (const b of bytes) n += Object.keys(JSON.parse(b.toString('utf8')) as object).length;
      if (n === 0) throw new Error('unreachable');
    }, bytes.length),
  );
  process.stderr.write(
    `run ${run + 1}: validate ${Math.round(validateRates.at(-1)!)}/s, check ${Math.round(checkRates.at(-1)!)}/s\n`,
  );
}

const mix = { order: 0, inventory: 0, user_activity: 0 };
for (const m of messages) mix[m.eventType!]++;

printResult({
  name: 'message-checker',
  description: `MessageChecker.check from bytes (decode, structure, validate, event_id), ${count} events`,
  value: median(checkRates),
  unit: 'events/s',
  runs: checkRates,
  baseline: { name: 'JSON.parse of the same bytes', value: median(parseRates), unit: 'events/s' },
});

printResult({
  name: 'validation',
  description: `EventValidator.validate on pre-parsed events (parse excluded), ${count} events × ${passes} passes`,
  value: median(validateRates),
  unit: 'events/s',
  runs: validateRates,
  target: '≥ 300000',
  baseline: { name: 'JSON.parse of the same bytes', value: median(parseRates), unit: 'events/s' },
  extra: {
    'events per CPU second': median(validateCpuRates),
    'share order/inventory/user_activity': `${mix.order}/${mix.inventory}/${mix.user_activity}`,
  },
});
