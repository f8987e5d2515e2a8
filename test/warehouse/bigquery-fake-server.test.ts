import { BigQuery } from '@google-cloud/bigquery';
import { adapt, managedwriter } from '@google-cloud/bigquery-storage';
import { credentials } from '@grpc/grpc-js';
import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBigQueryServer } from '../support/fake-bigquery-server.js';

/*
 * The local BigQuery server is only worth its tests if it refuses what BigQuery refuses. These
 * cases talk to it with the Google client libraries directly (no shopstream code) and check that
 * bad requests are turned down the way the service turns them down.
 */

const PROJECT = 'fake-check';
const DATASET = 'd';

let bq: FakeBigQueryServer;
let rest: BigQuery;
let writer: managedwriter.WriterClient;

const schema = [
  { name: 'id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'at', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'amount', type: 'NUMERIC' },
  { name: 'tags', type: 'STRING', mode: 'REPEATED' },
];

beforeAll(async () => {
  bq = await FakeBigQueryServer.start({ defaultProjectId: PROJECT, maxAppendRequestBytes: 4096 });
  rest = new BigQuery({
    projectId: PROJECT,
    apiEndpoint: bq.restUrl,
    authClient: new PassThroughClient(),
    retryOptions: { autoRetry: false },
  });
  writer = new managedwriter.WriterClient({
    servicePath: bq.grpcEndpoint.split(':')[0],
    port: Number(bq.grpcEndpoint.split(':')[1]),
    sslCreds: credentials.createInsecure(),
    authClient: new PassThroughClient(),
  } as unknown as ConstructorParameters<typeof managedwriter.WriterClient>[0]);
  await rest.dataset(DATASET).create();
  await rest.dataset(DATASET).createTable('t', { schema });
});

afterAll(async () => {
  writer?.close();
  await bq?.close();
});

async function restError(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as { code: number; message: string },
  );
  if (!error) throw new Error('expected the fake server to refuse the request');
  return error;
}

/** One AppendRows request with `rows` (JSONWriter encoding) against `table`, described by `fields`. */
async function append(table: string, fields: object[], rows: object[]) {
  const connection = await writer.createStreamConnection({
    streamId: managedwriter.DefaultStream,
    destinationTable: `projects/${PROJECT}/datasets/${DATASET}/tables/${table}`,
  });
  connection.onConnectionError(() => undefined);
  const descriptor = adapt.convertStorageSchemaToProto2Descriptor(
    adapt.convertBigQuerySchemaToStorageTableSchema({ fields } as Parameters<
      typeof adapt.convertBigQuerySchemaToStorageTableSchema
    >[0]),
    'root',
  );
  const json = new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor });
  try {
    return await json.appendRows(rows as Parameters<typeof json.appendRows>[0]).getResult();
  } finally {
    json.close();
  }
}

describe('the local BigQuery server refuses what BigQuery refuses', () => {
  it('partitioning on a column that is not a TIMESTAMP, DATE or DATETIME', async () => {
    const error = await restError(
      rest
        .dataset(DATASET)
        .createTable('bad_partition', { schema, timePartitioning: { type: 'DAY', field: 'id' } }),
    );
    expect(error.code).toBe(400);
    expect(error.message).toMatch(/time partitioning can only be of type TIMESTAMP, DATE or DATETIME/);
  });

  it('clustering on a repeated column, or on more than four', async () => {
    expect(
      (
        await restError(
          rest.dataset(DATASET).createTable('bad_cluster', { schema, clustering: { fields: ['tags'] } }),
        )
      ).code,
    ).toBe(400);
    expect(
      (
        await restError(
          rest.dataset(DATASET).createTable('bad_cluster', {
            schema,
            clustering: { fields: ['id', 'at', 'amount', 'id', 'at'] },
          }),
        )
      ).code,
    ).toBe(400);
  });

  it('a view whose SQL does not parse, or reads a table that does not exist', async () => {
    const syntax = await restError(
      rest.dataset(DATASET).createTable('v1', { view: 'SELEC id FROM `fake-check.d.t`' }),
    );
    expect(syntax).toMatchObject({ code: 400, message: expect.stringContaining('Syntax error') });
    const missing = await restError(
      rest.dataset(DATASET).createTable('v2', { view: 'SELECT id FROM `fake-check.d.nope`' }),
    );
    expect(missing).toMatchObject({ code: 404, message: expect.stringContaining('fake-check:d.nope') });
    await rest.dataset(DATASET).createTable('v3', { view: 'SELECT id FROM `fake-check.d.t`' });
    expect(bq.table(PROJECT, DATASET, 'v3')?.type).toBe('VIEW');
  });

  it('a second table of the same name', async () => {
    expect((await restError(rest.dataset(DATASET).createTable('t', { schema }))).code).toBe(409);
  });

  it('rows whose writer schema has a field the table lacks', async () => {
    const response = await append(
      't',
      [...schema, { name: 'extra', type: 'STRING' }],
      [{ id: 'a', at: 0, extra: 'x' }],
    );
    expect(response.error?.code).toBe(3);
    expect(response.error?.message).toMatch(/extra fields: 'extra'/);
    expect(bq.rows(PROJECT, DATASET, 't')).toEqual([]);
  });

  it('a row without a REQUIRED column, with the row index; no row of the request is stored', async () => {
    const loose = schema.map((f) => ({ ...f, mode: f.mode === 'REQUIRED' ? 'NULLABLE' : f.mode }));
    const response = await append('t', loose, [{ id: 'a', at: 1 }, { id: 'b' }]);
    expect(response.error?.code).toBe(3);
    // index is an int64, which the client hands over as text.
    expect(response.rowErrors).toEqual([
      { index: '1', code: 'FIELDS_ERROR', message: 'at: missing required field' },
    ]);
    expect(bq.rows(PROJECT, DATASET, 't')).toEqual([]);
  });

  it('NUMERIC text it cannot hold, and a request above the size limit', async () => {
    const numeric = await append('t', schema, [{ id: 'a', at: 1, amount: '0.0000000001' }]);
    expect(numeric.rowErrors?.[0]?.message).toMatch(/amount: "0.0000000001" does not fit NUMERIC/);
    const big = await append('t', schema, [{ id: 'x'.repeat(5000), at: 1 }]);
    expect(big.error?.message).toMatch(/AppendRows request too large/);
    expect(bq.rows(PROJECT, DATASET, 't')).toEqual([]);
  });

  it('names a bad value inside records by its path, the element of a repeated one by its index', async () => {
    const nested = [
      { name: 'id', type: 'STRING', mode: 'REQUIRED' },
      {
        name: 'items',
        type: 'RECORD',
        mode: 'REPEATED',
        fields: [{ name: 'price', type: 'NUMERIC', mode: 'REQUIRED' }],
      },
      { name: 'address', type: 'RECORD', fields: [{ name: 'city', type: 'STRING', maxLength: '3' }] },
    ];
    await rest.dataset(DATASET).createTable('nested', { schema: nested });
    const response = await append('nested', nested, [
      { id: 'a', items: [{ price: '1' }, { price: '1.0000000001' }] },
      { id: 'b', address: { city: 'Lyon' } },
      { id: 'c', items: [{ price: '2.5' }], address: { city: 'Bly' } },
    ]);
    expect(response.rowErrors?.map((e) => [e.index, e.message])).toEqual([
      ['0', expect.stringMatching(/^items\[1\]\.price: "1\.0000000001" does not fit NUMERIC/)],
      ['1', 'Field address.city: STRING(3) has maximum length 3 but got a value with length 4'],
    ]);
    expect(bq.rows(PROJECT, DATASET, 'nested')).toEqual([]);
    await append('nested', nested, [{ id: 'c', items: [{ price: '2.5' }], address: { city: 'Bly' } }]);
    expect(bq.rows(PROJECT, DATASET, 'nested')).toEqual([
      { id: 'c', items: [{ price: '2.5' }], address: { city: 'Bly' } },
    ]);
  });

  it('stores what it accepts, decoded with the writer schema', async () => {
    const response = await append('t', schema, [
      { id: 'ok', at: 1_714_550_400_000_001, amount: '12.50', tags: ['a'] },
    ]);
    expect(response.error).toBeFalsy();
    expect(bq.rows(PROJECT, DATASET, 't')).toEqual([
      { id: 'ok', at: '2024-05-01T08:00:00.000001Z', amount: '12.5', tags: ['a'] },
    ]);
  });

  it('a table that does not exist, over gRPC', async () => {
    const response = await append('missing', schema, [{ id: 'a', at: 1 }]);
    expect(response.error?.code).toBe(5);
  });

  it('answers GetWriteStream with the table schema', async () => {
    const stream = await writer.getWriteStream({
      streamId: `projects/${PROJECT}/datasets/${DATASET}/tables/t/streams/_default`,
    });
    expect(stream.tableSchema?.fields?.map((f) => [f.name, f.type, f.mode])).toEqual([
      ['id', 'STRING', 'REQUIRED'],
      ['at', 'TIMESTAMP', 'REQUIRED'],
      ['amount', 'NUMERIC', 'NULLABLE'],
      ['tags', 'STRING', 'REPEATED'],
    ]);
  });

  it('answers 501 to a call it does not implement, and lists it', async () => {
    const before = bq.unsupported.length;
    const error = await restError(rest.dataset(DATASET).delete());
    expect(error.code).toBe(501);
    expect(bq.unsupported.slice(before)).toEqual([
      `DELETE /bigquery/v2/projects/${PROJECT}/datasets/${DATASET}`,
    ]);
  });

  it('answers 501 to a query nobody set an answer for, rather than inventing rows', async () => {
    const error = await restError(rest.query('SELECT id FROM `fake-check.d.t` WHERE amount > 1'));
    expect(error.code).toBe(501);
  });

  describe("reconcile's range select, computed from the stored rows", () => {
    const ledger = [
      { name: 'event_id', type: 'STRING', mode: 'REQUIRED' },
      { name: 'error_code', type: 'STRING' },
      { name: 'at', type: 'TIMESTAMP' },
    ];
    // 2024-05-01T08:00:00Z and around it, in microseconds (what the Storage Write API carries).
    const T = 1_714_550_400_000_000;
    const query = async (sql: string) => {
      const [rows, , response] = (await rest.query(
        { query: sql, defaultDataset: { projectId: PROJECT, datasetId: DATASET }, useLegacySql: false },
        { autoPaginate: false },
      )) as unknown as [Record<string, unknown>[], unknown, { schema: { fields: object[] } }];
      return { rows, fields: response.schema.fields };
    };

    beforeAll(async () => {
      await rest.dataset(DATASET).createTable('r', { schema: ledger });
      const response = await append('r', ledger, [
        { event_id: 'before', error_code: 'E1', at: T - 1 },
        { event_id: 'first', error_code: 'E2', at: T },
        { event_id: 'sub-ms', at: T + 1_999 },
        { event_id: 'last', at: T + 3_600_000_000 - 1 },
        { event_id: 'end', at: T + 3_600_000_000 },
        { event_id: 'no-time' },
        { event_id: 'pre-epoch', at: -1_500 },
      ]);
      expect(response.error).toBeFalsy();
    });

    it('projects event ids and UNIX_MILLIS (rounded down) of the rows in [from, to)', async () => {
      const { rows, fields } = await query(
        "SELECT event_id, error_code, UNIX_MILLIS(at) AS t FROM r WHERE at >= TIMESTAMP '2024-05-01T08:00:00.000Z' AND at < TIMESTAMP '2024-05-01T09:00:00.000Z'",
      );
      expect(fields).toEqual([
        { name: 'event_id', type: 'STRING', mode: 'REQUIRED' },
        { name: 'error_code', type: 'STRING', mode: 'NULLABLE' },
        { name: 't', type: 'INTEGER', mode: 'NULLABLE' },
      ]);
      expect(rows).toEqual([
        { event_id: 'first', error_code: 'E2', t: T / 1000 },
        { event_id: 'sub-ms', error_code: null, t: T / 1000 + 1 },
        { event_id: 'last', error_code: null, t: T / 1000 + 3_599_999 },
      ]);
    });

    it('reads every row without WHERE (a NULL time stays NULL), one bound alone, and a qualified table', async () => {
      const all = await query('SELECT event_id, UNIX_MILLIS(at) AS t FROM r');
      expect(all.rows.map((r) => [r.event_id, r.t])).toEqual([
        ['before', (T - 1_000) / 1000],
        ['first', T / 1000],
        ['sub-ms', T / 1000 + 1],
        ['last', T / 1000 + 3_599_999],
        ['end', T / 1000 + 3_600_000],
        ['no-time', null],
        ['pre-epoch', -2],
      ]);
      const since = await query(
        `SELECT event_id FROM \`${PROJECT}.${DATASET}.r\` WHERE at >= TIMESTAMP '2024-05-01 09:00:00+00'`,
      );
      expect(since.rows).toEqual([{ event_id: 'end' }]);
    });

    it('refuses what BigQuery refuses: an unknown column, UNIX_MILLIS or a time bound of a STRING', async () => {
      const refused = async (sql: string) => {
        const error = await restError(rest.query(sql));
        return [error.code, error.message];
      };
      expect(await refused('SELECT event_id, UNIX_MILLIS(nope) AS t FROM `fake-check.d.r`')).toEqual([
        400,
        'Unrecognized name: nope',
      ]);
      expect(await refused('SELECT UNIX_MILLIS(event_id) AS t FROM `fake-check.d.r`')).toEqual([
        400,
        expect.stringContaining('No matching signature for function UNIX_MILLIS for argument types: STRING'),
      ]);
      expect(
        await refused(
          "SELECT event_id FROM `fake-check.d.r` WHERE error_code >= TIMESTAMP '2024-05-01T08:00:00Z'",
        ),
      ).toEqual([
        400,
        expect.stringContaining('No matching signature for operator >= for argument types: STRING'),
      ]);
    });

    it('still answers 501 to any other shape, rather than inventing rows', async () => {
      for (const sql of [
        'SELECT event_id FROM `fake-check.d.r` ORDER BY event_id',
        'SELECT event_id FROM `fake-check.d.r` LIMIT 1',
        'SELECT DISTINCT event_id FROM `fake-check.d.r`',
        'SELECT UNIX_MILLIS(at) FROM `fake-check.d.r`',
        'SELECT UNIX_SECONDS(at) AS s FROM `fake-check.d.r`',
        "SELECT event_id FROM `fake-check.d.r` WHERE at >= TIMESTAMP '2024-05-01' OR at IS NULL",
        "SELECT event_id FROM `fake-check.d.r` WHERE event_id = 'first'",
        'SELECT x.event_id FROM `fake-check.d.r` AS x',
      ])
        expect((await restError(rest.query(sql))).code, sql).toBe(501);
    });
  });

  describe('schema changes', () => {
    const table = (name: string) => rest.dataset(DATASET).table(name);
    const fields = async (name: string) =>
      ((await table(name).getMetadata())[0] as { schema: { fields: { name: string; mode?: string }[] } })
        .schema.fields;

    beforeAll(async () => {
      await rest.dataset(DATASET).createTable('s', {
        schema: [
          { name: 'id', type: 'STRING', mode: 'REQUIRED' },
          { name: 'r', type: 'RECORD', fields: [{ name: 'a', type: 'STRING' }] },
        ],
      });
    });

    it('adds a column with ALTER TABLE … ADD COLUMN, at the end, and refuses NOT NULL or a duplicate', async () => {
      await rest.query(
        'ALTER TABLE `fake-check.d.s`\n  ADD COLUMN IF NOT EXISTS c STRING OPTIONS (description = "C."),\n  ADD COLUMN IF NOT EXISTS n ARRAY<INT64>',
      );
      expect((await fields('s')).map((f) => [f.name, f.mode ?? 'NULLABLE'])).toEqual([
        ['id', 'REQUIRED'],
        ['r', 'NULLABLE'],
        ['c', 'NULLABLE'],
        ['n', 'REPEATED'],
      ]);
      expect(
        (await restError(rest.query('ALTER TABLE `fake-check.d.s` ADD COLUMN c STRING'))).message,
      ).toContain('Column already exists: c');
      expect(
        (await restError(rest.query('ALTER TABLE `fake-check.d.s` ADD COLUMN x STRING NOT NULL'))).message,
      ).toContain('cannot be added as NOT NULL');
    });

    it('patches a schema that only adds fields at the end, and refuses one that drops, moves, retypes or requires', async () => {
      const current = await fields('s');
      const refused = async (next: object[]) =>
        (await restError(table('s').setMetadata({ schema: { fields: next } }))).message;
      expect(await refused(current.slice(1))).toMatch(/Field id (is missing|has moved)/);
      expect(await refused([current[1]!, current[0]!, ...current.slice(2)])).toContain('has moved');
      expect(await refused([{ ...current[0], type: 'INTEGER' }, ...current.slice(1)])).toContain(
        'Field id has changed type from STRING to INT64',
      );
      expect(await refused([...current, { name: 'z', type: 'STRING', mode: 'REQUIRED' }])).toContain(
        'Cannot add required fields to an existing schema. (field: z)',
      );
      const record = current.find((f) => f.name === 'r') as unknown as { fields: object[] };
      const nested = current.map((f) =>
        f.name === 'r' ? { ...f, fields: [...record.fields, { name: 'b', type: 'STRING' }] } : f,
      );
      await table('s').setMetadata({ schema: { fields: nested } });
      const r = (await fields('s')).find((f) => f.name === 'r') as unknown as { fields: { name: string }[] };
      expect(r.fields.map((f) => f.name)).toEqual(['a', 'b']);
    });
  });
});
