import { ShopstreamError } from '../errors/shopstream-error.js';
import type { ErrorCode } from '../errors/error-codes.js';
import type { QueryResult } from '../warehouse/warehouse.js';
import { discoveryPathOf, readLiveDiscovery } from './up-discovery.js';

/**
 * Sends SQL to the `shopstream up` that holds this warehouse, when one is running on this machine.
 * Resolves undefined when none is (then the caller opens the warehouse itself); throws the server's
 * ShopstreamError when it refuses the statement (not read-only) or the warehouse rejects it.
 *
 * @example
 * const result = (await queryRunningUp(config.warehouse, sql)) ?? (await openAndQuery(config, sql));
 */
export async function queryRunningUp(warehouseUri: string, sql: string): Promise<QueryResult | undefined> {
  const path = discoveryPathOf(warehouseUri);
  const discovery = path === undefined ? undefined : readLiveDiscovery(path);
  if (!discovery) return undefined;
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${discovery.queryPort}/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${discovery.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql }),
    });
  } catch {
    // The process lives but does not answer (it is starting or stopping, or the pid was reused).
    return undefined;
  }
  const body = (await response.json().catch(() => ({}))) as Partial<QueryResult> & {
    error?: { code: ErrorCode; message: string };
  };
  if (!response.ok || body.error)
    throw new ShopstreamError(
      body.error?.code ?? 'SHOP_E_WAREHOUSE_QUERY',
      body.error?.message ?? `the running shopstream up answered HTTP ${response.status}`,
      { context: { pid: discovery.pid, status: response.status } },
    );
  return { columns: body.columns ?? [], rows: body.rows ?? [] };
}
