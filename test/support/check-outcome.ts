import { join } from 'node:path';
import { expect } from 'vitest';
import type { Config } from '../../src/config/settings.js';
import { EVENT_TYPES } from '../../src/contract/event-types.js';
import { eventIdOf } from '../../src/contract/event-id.js';
import type { DeadLetterRecord } from '../../src/pipeline/dead-letter-record.js';
import { TABLE_OF_TYPE } from '../../src/warehouse/rows.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import type { PublishedMix } from './publish-mix.js';
import { lakeLines } from './read-lake.js';

/**
 * Checks the pipeline's promise after a drain: every valid event is in its table exactly once by
 * event_id and in the lake; every invalid one is in the DLQ (lake and ingest_errors) with its code;
 * nothing else is anywhere. `exactRaw` also demands one raw row per message (no redelivery happened).
 */
export async function expectEveryEventAccountedFor(
  config: Config,
  lakeDir: string,
  mix: PublishedMix,
  options: { exactRaw?: boolean } = {},
): Promise<void> {
  const warehouse = await openWarehouse(config.warehouse);
  await warehouse.start();
  try {
    for (const type of EVENT_TYPES) {
      const table = TABLE_OF_TYPE[type];
      const expected = [...mix.valid]
        .filter(([, t]) => t === type)
        .map(([id]) => id)
        .sort();
      const ids = await warehouse.query(`SELECT DISTINCT event_id FROM ${table} ORDER BY event_id`);
      expect(
        ids.rows.map((r) => r.event_id),
        `${table} event ids`,
      ).toEqual(expected);
      // The documented query surface is exactly-once: the dedup view has one row per event.
      const view = await warehouse.query(
        `SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ${table}_dedup`,
      );
      expect([Number(view.rows[0]!.n), Number(view.rows[0]!.d)], `${table}_dedup rows`).toEqual([
        expected.length,
        expected.length,
      ]);
      if (options.exactRaw) {
        const raw = await warehouse.query(`SELECT count(*) AS n FROM ${table}`);
        expect(Number(raw.rows[0]!.n), `${table} raw rows`).toBe(mix.messagesByType[type]);
      }
      const lakeIds = new Set(
        lakeLines(lakeDir, `output/${type}`).map((line) => eventIdOf(Buffer.from(line, 'utf8'))),
      );
      expect([...lakeIds].sort(), `lake output/${type}`).toEqual(expected);
    }
    const errors = await warehouse.query(
      `SELECT DISTINCT event_id, error_code FROM ingest_errors ORDER BY event_id`,
    );
    expect(errors.rows.map((r) => [r.event_id, r.error_code])).toEqual(
      [...mix.invalid].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  } finally {
    await warehouse.close();
  }
  const dlq = new Map<string, string>();
  for (const line of lakeLines(lakeDir, 'output/errors')) {
    const record = JSON.parse(line) as DeadLetterRecord;
    dlq.set(record.event_id, record.error.code);
  }
  expect(dlq).toEqual(new Map([...mix.invalid]));
}

export const lakeDirOf = (stackDir: string): string => join(stackDir, 'lake');
