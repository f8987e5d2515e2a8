import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBus } from '../../src/bus/open-bus.js';
import type { ReconcileReport } from '../../src/reconcile/ledger.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { eventIdOf } from '../../src/contract/event-id.js';
import { createLocalStack, type LocalStack } from '../support/local-stack.js';
import { publishMix, type PublishedMix } from '../support/publish-mix.js';
import { listFiles } from '../support/read-lake.js';
import { runCli, type CliResult } from '../support/run-cli.js';

/**
 * `shopstream reconcile` on a real local deployment (embedded bus, archive and lake folders, DuckDB):
 * traffic is archived by `archive run` and processed by `pipeline run`, then each kind of damage a
 * user could meet is done by hand, and the ledger must find it, name it, and exit non-zero.
 */
describe('shopstream reconcile', () => {
  let stack: LocalStack;
  let mix: PublishedMix;
  const reconcile = (...args: string[]): Promise<CliResult> =>
    runCli([...stack.flags, 'reconcile', '--to', '2100-01-01', '--format', 'json', ...args]);
  const reportOf = (result: CliResult): ReconcileReport => JSON.parse(result.stdout) as ReconcileReport;
  const sql = async (statement: string): Promise<void> => {
    const warehouse = await openWarehouse(stack.config.warehouse);
    await warehouse.start();
    try {
      await warehouse.query(statement);
    } finally {
      await warehouse.close();
    }
  };

  beforeAll(async () => {
    stack = await createLocalStack();
    const bus = await openBus(stack.config.bus);
    await bus.start();
    mix = await publishMix(bus, stack.config.topic, { count: 2_000, invalidRatio: 0.05, seed: 11 });
    await bus.close();
    for (const command of [
      ['archive', 'run', '--exit-when-idle', '--idle', '1s'],
      ['pipeline', 'run', '--exit-when-idle'],
    ]) {
      const result = await runCli([...stack.flags, ...command]);
      expect(result.code, result.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(() => stack?.remove());

  it('balances after a clean run: exit 0, every published message archived, stored or dead-lettered', async () => {
    const result = await reconcile();
    expect(result.code, result.stderr).toBe(0);
    const report = reportOf(result);
    expect(report.balanced).toBe(true);
    const distinct = mix.valid.size + mix.invalid.size;
    expect(report.totals).toMatchObject({
      archived: distinct,
      warehouse: mix.valid.size,
      lake: mix.valid.size,
      deadLettered: mix.invalid.size,
      missing: 0,
      unarchived: 0,
      lakeShort: 0,
      both: 0,
    });
    const stored = report.buckets.filter((b) => b.type !== 'invalid').reduce((n, b) => n + b.warehouse, 0);
    expect(stored).toBe(mix.valid.size);
  });

  it('prints a table for people, and a CSV of the ledger for programs', async () => {
    const table = await runCli([...stack.flags, 'reconcile', '--to', '2100-01-01', '--by', 'day']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^bucket +│ type +│ archived/m);
    expect(table.stdout).toContain('balanced: archived = warehouse + dead-lettered');
    const csv = await runCli([...stack.flags, 'reconcile', '--to', '2100-01-01', '--format', 'csv']);
    const [header, ...rows] = csv.stdout.trim().split('\r\n');
    expect(header).toBe(
      'bucket,type,archived,lake,warehouse,deadLettered,missing,unarchived,lakeShort,both,status',
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.endsWith(',ok'))).toBe(true);
    // Piped, no progress bar reaches stderr; --quiet leaves only the exit code; --json is the report.
    expect(csv.stderr).not.toMatch(/reconcile/);
    const quiet = await runCli([...stack.flags, 'reconcile', '--to', '2100-01-01', '--quiet']);
    expect([quiet.code, quiet.stdout]).toEqual([0, '']);
    const json = await runCli([...stack.flags, 'reconcile', '--to', '2100-01-01', '--json']);
    expect((JSON.parse(json.stdout) as ReconcileReport).balanced).toBe(true);
  });

  it('refuses a bad range with exit 2 and says what it expects', async () => {
    const result = await runCli([...stack.flags, 'reconcile', '--from', 'yesterday']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SHOP_E_USAGE: --from yesterday: expected an RFC 3339 time/);
  });

  it('names a message that was archived but never processed, and exits 1', async () => {
    const bus = await openBus(stack.config.bus);
    await bus.start();
    const late = Buffer.from(
      JSON.stringify({ event_type: 'nonsense', note: 'published while no pipeline ran' }),
      'utf8',
    );
    await bus.publish(stack.config.topic, [{ data: late }]);
    await bus.close();
    const archived = await runCli([...stack.flags, 'archive', 'run', '--exit-when-idle', '--idle', '1s']);
    expect(archived.code, archived.stderr).toBe(0);

    const result = await reconcile();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SHOP_E_RECONCILE_UNBALANCED');
    const report = reportOf(result);
    expect(report.balanced).toBe(false);
    expect(report.gaps.missing.first).toEqual([
      expect.objectContaining({ eventId: eventIdOf(late), type: 'invalid' }),
    ]);
    expect(report.gaps.missing.count).toBe(1);

    // The pipeline catches up, and the ledger balances again.
    const caughtUp = await runCli([...stack.flags, 'pipeline', 'run', '--exit-when-idle']);
    expect(caughtUp.code, caughtUp.stderr).toBe(0);
    expect((await reconcile()).code).toBe(0);
  });

  it('names a warehouse row that was deleted: archived, neither stored nor dead-lettered', async () => {
    const [eventId, type] = [...mix.valid].find(([, t]) => t === 'order')!;
    await sql(`DELETE FROM orders WHERE event_id = '${eventId}'`);
    const report = reportOf(await reconcile());
    expect(report.gaps.missing.first).toEqual([expect.objectContaining({ eventId, type })]);
    expect(report.gaps.lakeShort.count).toBe(0);
    const bucket = report.buckets.find((b) => b.missing > 0)!;
    expect(bucket).toMatchObject({ type: 'order', missing: 1, balanced: false });
    expect(bucket.archived).toBe(bucket.warehouse + bucket.deadLettered + 1);
  });

  it('names the events of a deleted lake file as "lake short", and says which bucket', async () => {
    const lakeDir = join(stack.dir, 'lake');
    const file = listFiles(lakeDir).find((name) => name.startsWith('output/inventory/'))!;
    const { readFileSync } = await import('node:fs');
    const ids = readFileSync(join(lakeDir, file), 'utf8')
      .trim()
      .split('\n')
      .map((line) => eventIdOf(Buffer.from(line, 'utf8')));
    rmSync(join(lakeDir, file));
    const result = await reconcile('--limit', '1000');
    expect(result.code).toBe(1);
    const report = reportOf(result);
    expect(report.gaps.lakeShort.count).toBe(new Set(ids).size);
    expect(report.gaps.lakeShort.first.map((g) => g.eventId).sort()).toEqual([...new Set(ids)].sort());
    expect(report.gaps.lakeShort.first.every((g) => g.type === 'inventory')).toBe(true);
    expect(result.stderr).toMatch(/lake short \d+/);
  });

  it('names events the archive lacks when an archive file is gone', async () => {
    const backup = join(stack.dir, 'backup');
    const [first] = readdirSync(backup)
      .filter((name) => !name.startsWith('.'))
      .sort();
    rmSync(join(backup, first!));
    const report = reportOf(await reconcile());
    expect(report.gaps.unarchived.count).toBeGreaterThan(0);
  });
});
