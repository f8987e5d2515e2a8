import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  discoveryPathOf,
  newQueryToken,
  readLiveDiscovery,
  removeDiscovery,
  writeDiscovery,
  type UpDiscovery,
} from './up-discovery.js';

const dir = mkdtempSync(join(tmpdir(), 'up-discovery-'));
const sample = (pid: number): UpDiscovery => ({
  pid,
  queryPort: 40_000,
  token: newQueryToken(),
  dashboardUrl: 'http://127.0.0.1:8080',
  warehouse: `duckdb:${dir}/w.duckdb`,
  startedAt: new Date().toISOString(),
});

describe('up discovery file', () => {
  it('lives next to a DuckDB file, and nowhere for other warehouses', () => {
    expect(discoveryPathOf('duckdb:./data/warehouse.duckdb')).toBe('./data/warehouse.duckdb.up.json');
    expect(discoveryPathOf('duckdb::memory:')).toBeUndefined();
    expect(discoveryPathOf('bigquery:my-project.shop')).toBeUndefined();
  });

  it('is found while its process lives, readable by its owner only', async () => {
    const path = join(dir, 'live.duckdb.up.json');
    const written = sample(process.pid);
    await writeDiscovery(path, written);
    expect(readLiveDiscovery(path)).toEqual(written);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await removeDiscovery(path);
    expect(existsSync(path)).toBe(false);
    expect(readLiveDiscovery(path)).toBeUndefined();
  });

  it('is ignored once its process is gone (a crash left it behind)', async () => {
    const gone = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    const path = join(dir, 'stale.duckdb.up.json');
    await writeDiscovery(path, sample(Number(gone)));
    expect(readLiveDiscovery(path)).toBeUndefined();
  });

  it('is ignored when unreadable, and not removed by another process', async () => {
    const path = join(dir, 'bad.duckdb.up.json');
    writeFileSync(path, '{not json');
    expect(readLiveDiscovery(path)).toBeUndefined();
    const other = join(dir, 'other.duckdb.up.json');
    await writeDiscovery(other, sample(process.pid));
    await removeDiscovery(other, process.pid + 1);
    expect(existsSync(other)).toBe(true);
  });
});
