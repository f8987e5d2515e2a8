import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageChecker } from '../../src/contract/message-checker.js';
import { buildReferenceUniverse } from '../../src/generator/reference-universe.js';
import { TrafficGenerator } from '../../src/generator/traffic-generator.js';
import { BatchWriter } from '../../src/pipeline/batch-writer.js';
import { packMessages } from '../../src/pipeline/packed-messages.js';
import { prepareBatch } from '../../src/pipeline/prepared-batch.js';
import type { ReceivedMessage } from '../../src/bus/message-bus.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { FileLake } from '../../src/lake/file/file-lake.js';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import {
  EVENT_TABLES,
  TABLE_OF_TYPE,
  rowOf,
  type EventTableName,
  type RowOf,
} from '../../src/warehouse/rows.js';
import { hostileCorpus } from '../hostile/hostile-corpus.js';

/**
 * The pipeline hands the warehouse NDJSON a worker made: the message's own line with the ingest
 * columns spliced in (fast path) or a serialized row. Both must store exactly the rows built field by
 * field from the parsed event (rowOf), which is what append() stores.
 */
describe('warehouse rows: the NDJSON the pipeline writes equals the rows of the parsed events', () => {
  const dir = mkdtempSync(join(tmpdir(), 'row-paths-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores identical rows for generated and awkward events', async () => {
    const checker = new MessageChecker();
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
      // Pretty-printed: its lake line and row are re-serialized, not the payload's bytes.
      ...Array.from({ length: 3 }, () =>
        Buffer.from(JSON.stringify(JSON.parse(generator.next().data.toString('utf8')), null, 2)),
      ),
    ];
    const messages: ReceivedMessage[] = payloads.map((data, i) => ({
      id: String(i),
      data,
      attributes: {},
      publishTime: new Date(1_700_000_000_000 + i),
      deliveryAttempt: 1,
      ack() {},
      nack() {},
      modifyAckDeadline() {},
    }));
    const rows: Record<EventTableName, RowOf<EventTableName>[]> = {
      orders: [],
      inventory: [],
      user_activity: [],
    };
    let fast = 0;
    let reserialized = 0;
    for (const message of messages) {
      const checked = checker.check(message.data);
      if (!checked.ok) continue;
      if (checked.lineIsRow) fast++;
      if (!checked.lineIsPayload) reserialized++;
      rows[TABLE_OF_TYPE[checked.eventType]].push(
        rowOf(checked, message.publishTime.toISOString(), new Date().toISOString()),
      );
    }
    const accepted = EVENT_TABLES.reduce((sum, t) => sum + rows[t].length, 0);
    expect(fast).toBeGreaterThan(2_000);
    expect(accepted - fast).toBeGreaterThan(3);
    expect(reserialized).toBe(3);

    const open = async (name: string): Promise<DuckDbWarehouse> => {
      const w = new DuckDbWarehouse({ uri: `duckdb:${name}`, path: join(dir, `${name}.duckdb`) });
      await w.start();
      await w.ensureSchema();
      return w;
    };
    const fromNdjson = await open('ndjson');
    const fromRows = await open('rows');
    const lake = new FileLake({ uri: 'file:lake', directory: join(dir, 'lake') });
    await lake.start();
    const prepared = prepareBatch(checker, packMessages(messages));
    expect(prepared.tables.reduce((sum, t) => sum + t.rows, 0)).toBe(accepted);
    await new BatchWriter(lake, fromNdjson, new Telemetry(), 'a').write({ messages, prepared });
    for (const table of EVENT_TABLES) await fromRows.append(table, rows[table]);
    try {
      for (const table of EVENT_TABLES) {
        const sql = `SELECT * EXCLUDE (ingestion_time) FROM ${table} ORDER BY event_id`;
        const a = await fromNdjson.query(sql);
        const b = await fromRows.query(sql);
        expect(a.rows).toHaveLength(rows[table].length);
        expect(a.rows).toEqual(b.rows);
      }
    } finally {
      await Promise.all([fromNdjson.close(), fromRows.close(), lake.close()]);
    }
  }, 60_000);
});
