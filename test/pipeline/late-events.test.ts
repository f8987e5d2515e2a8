import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { listFiles } from '../support/read-lake.js';
import { drainInProcess } from '../support/run-pipeline-in-process.js';
import { validInventory } from '../hostile/hostile-corpus.js';

/** Late and out-of-order events land in the lake folder of their own minute (UTC), not of their arrival. */
describe('late and out-of-order events', () => {
  let stack: LocalStack;
  const times = [
    '2025-03-01T10:07:59.999Z',
    '2024-12-31T23:59:30+00:00',
    '2025-03-01T12:07:10+02:00', // = 10:07 UTC
    '2025-01-01T00:00:00.5-05:00', // = 05:00 UTC
  ];

  beforeAll(async () => {
    stack = await createLocalStack();
    const bus = await openBus(stack.config.bus);
    await bus.start();
    const events = times.map((timestamp, i) => ({
      data: Buffer.from(
        JSON.stringify({
          ...validInventory(),
          inventory_id: `3f1c2b7e-8d9a-4c1b-9e2f-00000000000${i}`,
          timestamp,
        }),
      ),
    }));
    await bus.publish(stack.config.topic, events);
    await bus.close();
    await drainInProcess(stack.config);
  }, 60_000);
  afterAll(() => stack?.remove());

  it('files each event under output/inventory/YYYY/MM/DD/HH/mm of its UTC time', () => {
    const lake = join(stack.dir, 'lake');
    const byFolder = new Map<string, number>();
    for (const file of listFiles(lake).filter((f) => f.startsWith('output/inventory/'))) {
      const folder = file.split('/').slice(2, 7).join('/');
      byFolder.set(
        folder,
        (byFolder.get(folder) ?? 0) +
          readFileSync(join(lake, file), 'utf8').split('\n').filter(Boolean).length,
      );
    }
    expect(Object.fromEntries(byFolder)).toEqual({
      '2025/03/01/10/07': 2,
      '2024/12/31/23/59': 1,
      '2025/01/01/05/00': 1,
    });
  });
});
