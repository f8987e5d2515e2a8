import type { Logger } from '../telemetry/logger.js';
import type { QueryResult, Warehouse } from '../warehouse/warehouse.js';

/** One dashboard panel fed by a warehouse query. */
export interface PanelQuery {
  /** Stable id the page knows the panel by (`revenue`, `top_products`, …). */
  readonly id: string;
  readonly sql: string;
}

/** The last answer of one panel's query. */
export interface PanelResult {
  readonly id: string;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  /** When the rows were read (epoch ms); null before the first answer. */
  readonly updatedAt: number | null;
  /** The last failure, kept next to the last good rows so the page can show both. */
  readonly error: string | null;
}

/** Options of {@link WarehousePanels}. */
export interface WarehousePanelsOptions {
  readonly warehouse: Pick<Warehouse, 'query'>;
  readonly panels: readonly PanelQuery[];
  readonly logger: Logger;
  /** Pause between two refreshes of all panels. Default 3,000 ms. */
  readonly intervalMs?: number;
  /** Called after each refresh with every panel. */
  readonly onRefresh?: (panels: readonly PanelResult[]) => void;
}

/**
 * Runs the dashboard's warehouse queries on an interval, one after another, and caches the answers:
 * however many pages are open, the warehouse sees one set of queries every few seconds, never one per
 * browser request, and never more often than twice the time a refresh takes. A failing query keeps its
 * last good rows and records its error.
 */
export class WarehousePanels {
  private readonly results = new Map<string, PanelResult>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastRefreshMs = 0;

  constructor(private readonly options: WarehousePanelsOptions) {
    for (const { id } of options.panels)
      this.results.set(id, { id, columns: [], rows: [], updatedAt: null, error: null });
  }

  /** Refreshes now, then every interval until {@link close}. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Every panel's latest answer, in the order they were given. */
  snapshot(): readonly PanelResult[] {
    return this.options.panels.map(({ id }) => this.results.get(id)!);
  }

  /** Runs every query once and caches the answers. */
  async refresh(): Promise<readonly PanelResult[]> {
    const started = performance.now();
    for (const { id, sql } of this.options.panels) {
      if (this.stopped) break;
      const previous = this.results.get(id)!;
      try {
        const result: QueryResult = await this.options.warehouse.query(sql);
        this.results.set(id, {
          id,
          columns: result.columns,
          rows: result.rows,
          updatedAt: Date.now(),
          error: null,
        });
      } catch (error) {
        const message = (error as Error).message;
        if (message !== previous.error)
          this.options.logger.warn({ err: error, panel: id }, 'dashboard query failed');
        this.results.set(id, { ...previous, error: message });
      }
    }
    this.lastRefreshMs = performance.now() - started;
    const all = this.snapshot();
    this.options.onRefresh?.(all);
    return all;
  }

  /** Stops refreshing and waits for a refresh in progress. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.refresh()
        .then(() => undefined)
        .finally(() => {
          this.running = undefined;
          // The views grow with the data; when they get slow, refresh less often rather than take the
          // warehouse (and its cores) away from the pipeline.
          if (!this.stopped)
            this.schedule(Math.max(this.options.intervalMs ?? 3_000, 2 * this.lastRefreshMs));
        });
    }, delayMs);
    this.timer.unref();
  }
}
