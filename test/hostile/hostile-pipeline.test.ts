import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import type { DeadLetterRecord } from '../../src/pipeline/dead-letter-record.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { lakeLines, listFiles } from '../support/read-lake.js';
import { drainInProcess } from '../support/run-pipeline-in-process.js';
import { hostileCorpus } from './hostile-corpus.js';

/**
 * The whole hostile corpus through the real local pipeline (embedded bus, file lake, DuckDB): each bad
 * message lands in the DLQ with its code, the valid ones in their tables, the pipeline keeps running,
 * and nothing is written outside the lake root.
 */
describe('hostile corpus through the pipeline', () => {
  let stack: LocalStack;
  const corpus = hostileCorpus();
  const records = new Map<string, DeadLetterRecord>();
  let stats: Awaited<ReturnType<typeof drainInProcess>>;

  beforeAll(async () => {
    stack = await createLocalStack({ extra: { 'contract.maxFutureMs': 10 * 365 * 86_400_000 } });
    const bus = await openBus(stack.config.bus);
    await bus.start();
    // Each case is tagged with an attribute, so its DLQ record can be found again.
    await bus.publish(
      stack.config.topic,
      corpus.map((c, i) => ({ data: c.bytes, attributes: { case: String(i) } })),
    );
    await bus.close();
    stats = await drainInProcess(stack.config);
    for (const line of lakeLines(join(stack.dir, 'lake'), 'output/errors')) {
      const record = JSON.parse(line) as DeadLetterRecord;
      records.set(record.attributes.case!, record);
    }
  }, 120_000);
  afterAll(() => stack?.remove());

  it('processes every message: the pipeline kept running through all of them', () => {
    expect(stats.acked).toBe(corpus.length);
    expect(stats.deadLettered).toBe(corpus.filter((c) => c.expected).length);
    expect(stats.accepted).toBe(corpus.filter((c) => !c.expected).length);
  });

  it.each(corpus.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const record = records.get(String(i));
    if (c.expected === undefined) {
      expect(record).toBeUndefined();
    } else {
      expect(record?.error.code).toBe(c.expected);
      // The payload is kept whole, so the record can be replayed.
      expect(
        Buffer.from(record!.payload, record!.payload_encoding === 'base64' ? 'base64' : 'utf8').equals(
          c.bytes,
        ),
      ).toBe(true);
    }
  });

  it('writes nothing outside the lake root, and only under the known folders', () => {
    const files = listFiles(stack.dir);
    const outside = files.filter((f) => !/^(lake|bus|backup)\//.test(f) && !f.startsWith('warehouse.duckdb'));
    expect(outside).toEqual([]);
    const lake = files.filter((f) => f.startsWith('lake/'));
    expect(lake.length).toBeGreaterThan(0);
    for (const f of lake)
      expect(f).toMatch(
        /^lake\/output\/(order|inventory|user_activity|errors)\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}\/[a-z_]+_\d{12}_[0-9a-z_]+\.json$/,
      );
    expect(existsSync(join(stack.dir, 'x'))).toBe(false);
  });

  it('stores the valid awkward events with their text exactly, and the DLQ in ingest_errors', async () => {
    const warehouse = await openWarehouse(stack.config.warehouse);
    await warehouse.start();
    try {
      const names = await warehouse.query(
        `SELECT i.product_name FROM orders, UNNEST(items) AS t(i) ORDER BY 1`,
      );
      expect(names.rows.map((r) => r.product_name)).toContain('tab\there\u0001\u001f\u007f');
      const cities = await warehouse.query(`SELECT shipping_address.city AS city FROM orders`);
      expect(cities.rows.map((r) => r.city)).toContain('Zürich 🏔️ 東京 \u{1F600}');
      const errors = await warehouse.query(`SELECT count(*) AS n FROM ingest_errors`);
      expect(Number(errors.rows[0]!.n)).toBe(corpus.filter((c) => c.expected).length);
    } finally {
      await warehouse.close();
    }
    const orderLines = lakeLines(join(stack.dir, 'lake'), 'output/order');
    expect(orderLines).toContain(
      corpus.find((c) => c.name.startsWith('control characters'))!.bytes.toString('utf8'),
    );
  });
});
