import { ShopstreamError } from '../../errors/shopstream-error.js';

/**
 * How the embedded bus's storage reports SQLite's failures: every one is a retryable
 * SHOP_E_BUS_UNAVAILABLE; a lock held by another process is told apart, and waited out by callers.
 */
export function storeError(error: unknown, message: string): Error {
  if (error instanceof ShopstreamError) return error;
  const code = (error as { code?: unknown }).code;
  const sqliteCode = typeof code === 'string' ? code : undefined;
  return new ShopstreamError(
    'SHOP_E_BUS_UNAVAILABLE',
    sqliteCode?.startsWith('SQLITE_BUSY')
      ? `${message}: another process holds the bus's write lock`
      : `${message}: ${(error as Error).message}`,
    { retryable: true, cause: error, context: { sqliteCode } },
  );
}

/** True when `error` only says another process held the write lock: retry shortly. */
export function isBusy(error: unknown): boolean {
  return (
    error instanceof ShopstreamError &&
    typeof error.context.sqliteCode === 'string' &&
    error.context.sqliteCode.startsWith('SQLITE_BUSY')
  );
}

/**
 * Runs `work`, retrying after short random sleeps while another process holds the write lock,
 * for at most `patienceMs`; then the SHOP_E_BUS_UNAVAILABLE error is thrown.
 */
export async function retryWhileBusy<T>(work: () => T, patienceMs = 15_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4));
    }
  }
}
