import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';

/**
 * What a running `shopstream up` tells other processes on this machine, in a small JSON file next to
 * the DuckDB file it holds (`./data/warehouse.duckdb.up.json`). DuckDB lets one process open the file,
 * so `shopstream query` reads this to send its SQL to the running process instead.
 *
 * The file is readable by its owner only: the token in it is what the query listener asks for.
 */
export interface UpDiscovery {
  readonly pid: number;
  /** The loopback-only port that answers read-only SQL (`POST /query`). */
  readonly queryPort: number;
  /** Sent as `authorization: Bearer <token>`; random per run. */
  readonly token: string;
  /** Where the dashboard is, for humans. */
  readonly dashboardUrl: string;
  /** The warehouse URI the process holds. */
  readonly warehouse: string;
  readonly startedAt: string;
}

/** Where the discovery file of a warehouse lives; undefined for warehouses any process can open. */
export function discoveryPathOf(warehouseUri: string): string | undefined {
  if (!warehouseUri.startsWith('duckdb:')) return undefined;
  const path = warehouseUri.slice('duckdb:'.length);
  return path === ':memory:' || path === '' ? undefined : `${path}.up.json`;
}

/** A fresh random token for the query listener. */
export function newQueryToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Writes the file atomically (temp + rename), readable by the owner only (mode 0600, set explicitly:
 * `mode` on create is not applied to a temp file left behind by an earlier process with this pid).
 */
export async function writeDiscovery(path: string, discovery: UpDiscovery): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await rm(temp, { force: true });
  await writeFile(temp, JSON.stringify(discovery, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

/**
 * The discovery of a `shopstream up` that is still alive, or undefined when there is no file, it is
 * unreadable, or its process is gone (a crash leaves the file behind; it is then ignored).
 */
export function readLiveDiscovery(path: string): UpDiscovery | undefined {
  let discovery: UpDiscovery;
  try {
    discovery = JSON.parse(readFileSync(path, 'utf8')) as UpDiscovery;
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(discovery.pid) || !Number.isSafeInteger(discovery.queryPort)) return undefined;
  return isAlive(discovery.pid) ? discovery : undefined;
}

/** Removes the file if it is still this process's (a newer `up` may have replaced it). */
export async function removeDiscovery(path: string, pid = process.pid): Promise<void> {
  let owner: number | undefined;
  try {
    owner = (JSON.parse(readFileSync(path, 'utf8')) as UpDiscovery).pid;
  } catch {
    return;
  }
  if (owner === pid) await rm(path, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    // Signal 0 checks existence and permission without delivering anything.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
