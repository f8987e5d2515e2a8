import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopstreamError } from '../errors/shopstream-error.js';
import { silentLogger } from '../telemetry/logger.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { QueryServer } from './query-server.js';
import { queryRunningUp } from './query-running-up.js';
import { discoveryPathOf, newQueryToken, removeDiscovery, writeDiscovery } from './up-discovery.js';

const dir = mkdtempSync(join(tmpdir(), 'query-server-'));
const uri = `duckdb:${join(dir, 'warehouse.duckdb')}`;
const discoveryPath = discoveryPathOf(uri)!;
const token = newQueryToken();
let warehouse: Warehouse;
let server: QueryServer;
let port: number;

beforeAll(async () => {
  warehouse = await openWarehouse(uri);
  await warehouse.start();
  await warehouse.ensureSchema();
  await warehouse.appendErrors([
    {
      error_code: 'SHOP_E_DECODE_JSON',
      error_path: '',
      error_message: 'not JSON',
      message_id: 'm1',
      event_id: 'e1',
      publish_time: '2025-01-01T00:00:00.000Z',
      ingestion_time: '2025-01-01T00:00:01.000Z',
      attributes: '{}',
      payload: '{oops',
      payload_encoding: 'utf8',
    },
  ]);
  server = new QueryServer({ warehouse, token, logger: silentLogger });
  port = await server.start();
  await writeDiscovery(discoveryPath, {
    pid: process.pid,
    queryPort: port,
    token,
    dashboardUrl: 'http://127.0.0.1:1',
    warehouse: uri,
    startedAt: new Date().toISOString(),
  });
});

afterAll(async () => {
  await removeDiscovery(discoveryPath);
  await server?.close();
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

const refusal = (promise: Promise<unknown>): Promise<ShopstreamError> =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: ShopstreamError) => error,
  );

describe('query routing through a running shopstream up', () => {
  it('answers read-only SQL from the warehouse this process holds', async () => {
    const result = await queryRunningUp(
      uri,
      'SELECT error_code, count(*) AS n FROM ingest_errors GROUP BY 1',
    );
    expect(result).toEqual({
      columns: ['error_code', 'n'],
      rows: [{ error_code: 'SHOP_E_DECODE_JSON', n: 1 }],
    });
  });

  it('refuses anything that is not a SELECT, and the data stays', async () => {
    for (const sql of [
      'DELETE FROM ingest_errors',
      'DROP TABLE ingest_errors',
      'SELECT 1; DELETE FROM ingest_errors',
    ]) {
      const error = await refusal(queryRunningUp(uri, sql));
      expect(error.code, sql).toBe('SHOP_E_WAREHOUSE_QUERY');
    }
    // A SELECT that tries to smuggle a statement in is refused by DuckDB itself.
    const smuggled = await refusal(queryRunningUp(uri, "SELECT * FROM query('DROP TABLE ingest_errors')"));
    expect(smuggled.code).toBe('SHOP_E_WAREHOUSE_QUERY');
    expect((await warehouse.query('SELECT count(*) AS n FROM ingest_errors')).rows[0]!.n).toEqual(1);
  });

  it('refuses to read files outside the warehouse, ATTACH, URLs and extensions, each with a clear error', async () => {
    const outside = join(dir, 'outside.txt');
    writeFileSync(outside, 'not for queries\n');
    const refusals: [string, RegExp][] = [
      [
        "SELECT content FROM read_text('/etc/hostname')",
        /Permission Error: Cannot access file "\/etc\/hostname" - file system operations are disabled by configuration/,
      ],
      ["SELECT * FROM read_csv('/etc/passwd')", /Permission Error: Cannot access file "\/etc\/passwd"/],
      [`SELECT content FROM read_text('${outside}')`, /Permission Error: Cannot access file/],
      [
        "SELECT * FROM read_csv('http://127.0.0.1:9/data.csv')",
        /Permission Error: Cannot access file "http:\/\/127\.0\.0\.1:9\/data\.csv"/,
      ],
      [`ATTACH '${join(dir, 'other.duckdb')}' AS other`, /only read-only statements/],
      ['INSTALL httpfs', /only read-only statements/],
      ['LOAD httpfs', /only read-only statements/],
    ];
    for (const [sql, why] of refusals) {
      const error = await refusal(queryRunningUp(uri, sql));
      expect(error.code, sql).toBe('SHOP_E_WAREHOUSE_QUERY');
      expect(error.message, sql).toMatch(why);
    }
    // The warehouse still answers, views included.
    expect((await queryRunningUp(uri, 'SELECT count(*) AS n FROM ingest_errors_dedup'))?.rows).toEqual([
      { n: 1 },
    ]);
  });

  it('passes on the warehouse error for bad SQL', async () => {
    const error = await refusal(queryRunningUp(uri, 'SELECT nope FROM ingest_errors'));
    expect(error.code).toBe('SHOP_E_WAREHOUSE_QUERY');
    expect(error.message).toMatch(/nope/);
  });

  it('asks for the token, accepts POST /query only, and listens on loopback only', async () => {
    const post = (headers: Record<string, string>, path = '/query', method = 'POST'): Promise<Response> =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers,
        body: method === 'GET' ? undefined : '{"sql":"SELECT 1"}',
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await post({ authorization: `Bearer ${token}` }, '/other')).status).toBe(404);
    expect((await post({ authorization: `Bearer ${token}` }, '/query', 'GET')).status).toBe(405);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port });
  });

  it('is not used when no up runs for that warehouse, or its process is gone', async () => {
    expect(await queryRunningUp(`duckdb:${join(dir, 'other.duckdb')}`, 'SELECT 1')).toBeUndefined();
    const gone = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString(),
    );
    const stale = `duckdb:${join(dir, 'stale.duckdb')}`;
    await writeDiscovery(discoveryPathOf(stale)!, {
      pid: gone,
      queryPort: port,
      token,
      dashboardUrl: '',
      warehouse: stale,
      startedAt: new Date().toISOString(),
    });
    expect(await queryRunningUp(stale, 'SELECT 1')).toBeUndefined();
  });
});
