import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageChecker, type AcceptedMessage } from '../../src/contract/message-checker.js';
import { buildReferenceUniverse } from '../../src/generator/reference-universe.js';
import { TrafficGenerator } from '../../src/generator/traffic-generator.js';
import { Batch } from '../../src/pipeline/batch.js';
import { BatchWriter } from '../../src/pipeline/batch-writer.js';
import type { ReceivedMessage } from '../../src/bus/message-bus.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { FileLake } from '../../src/lake/file/file-lake.js';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../src/warehouse/warehouse.js';
import { hostileCorpus } from '../hostile/hostile-corpus.js';

/**
 * The pipeline hands DuckDB either the message's own line with the ingest columns spliced in (fast
 * path) or a serialized row. Both must store exactly the same rows.
 */
describe('warehouse rows: the raw-line fast path equals the row path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'row-paths-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores identical rows for generated and awkward events', async () => {
    const checker = new MessageChecker({ now: () => Date.now() });
    const generator = new TrafficGenerator({
      seed: 4,
      universe: buildReferenceUniverse({ seed: 42 }),
      clock: 'wall',
    });
    const payloads = [
      ...Array.from({ length: 3_000 }, () => generator.next().data),
      ...hostileCorpus()
        .filter((c) => c.expected === undefined)
        .map((c) => c.bytes),
      Buffer.from(
        generator
          .next()
          .data.toString('utf8')
          .replace(/"timestamp":"([^"]+)Z"/, '"timestamp":"$1+00:00"'),
      ),
    ];
    const batch = new Batch();
    let fast = 0;
    for (const [i, data] of payloads.entries()) {
      const checked = checker.check(data);
      if (!checked.ok) continue;
      if (checked.lineIsRow) fast++;
      const message: ReceivedMessage = {
        id: String(i),
        data,
        attributes: {},
        publishTime: new Date(1_700_000_000_000 + i),
        deliveryAttempt: 1,
        ack() {},
        nack() {},
        modifyAckDeadline() {},
      };
      batch.addAccepted(
        message,
        checked,
        (checked as AcceptedMessage).event.event_type === 'order'
          ? (checked.event as { order_date: string }).order_date
          : (checked.event as { timestamp: string }).timestamp,
      );
    }
    expect(fast).toBeGreaterThan(2_000);
    expect(batch.accepted.length - fast).toBeGreaterThan(3);

    const open = async (name: string): Promise<DuckDbWarehouse> => {
      const w = new DuckDbWarehouse({ uri: `duckdb:${name}`, path: join(dir, `${name}.duckdb`) });
      await w.start();
      await w.ensureSchema();
      return w;
    };
    const withJson = await open('json');
    const withRows = await open('rows');
    // The same warehouse without its fast path: BatchWriter falls back to append(rows).
    const rowsOnly: Warehouse = Object.assign(Object.create(withRows) as Warehouse, {
      appendJson: undefined,
    });
    const lake = new FileLake({ uri: 'file:lake', directory: join(dir, 'lake') });
    await lake.start();
    await new BatchWriter(lake, withJson, new Telemetry(), 'a').write(batch);
    await new BatchWriter(lake, rowsOnly, new Telemetry(), 'b').write(batch);
    try {
      for (const table of ['orders', 'inventory', 'user_activity']) {
        const sql = `SELECT * EXCLUDE (ingestion_time) FROM ${table} ORDER BY event_id`;
        const a = await withJson.query(sql);
        const b = await withRows.query(sql);
        expect(a.rows.length).toBeGreaterThan(0);
        expect(a.rows).toEqual(b.rows);
      }
    } finally {
      await Promise.all([withJson.close(), withRows.close(), lake.close()]);
    }
  }, 60_000);
});
