import type { FieldSchema } from './row-values.js';

/** A table or view as the fake server holds it. */
export interface FakeTable {
  readonly projectId: string;
  readonly datasetId: string;
  readonly tableId: string;
  /** The `tables.insert` body as received, plus the fields the service adds (id, type, times). */
  readonly resource: Record<string, unknown>;
  readonly type: 'TABLE' | 'VIEW';
  /** Changed by ALTER TABLE … ADD COLUMN and tables.patch (see schema-updates.ts). */
  schema: readonly FieldSchema[];
  /** Stored rows in arrival order (see row-values.ts for the stored forms). */
  rows: Record<string, unknown>[];
}

export interface FakeDataset {
  readonly projectId: string;
  readonly datasetId: string;
  readonly resource: Record<string, unknown>;
  readonly tables: Map<string, FakeTable>;
}

/** Datasets, tables and rows in memory, shared by the REST and the gRPC side of the fake server. */
export class BigQueryStore {
  private readonly datasets = new Map<string, FakeDataset>();

  dataset(projectId: string, datasetId: string): FakeDataset | undefined {
    return this.datasets.get(`${projectId}.${datasetId}`);
  }

  allDatasets(): FakeDataset[] {
    return [...this.datasets.values()];
  }

  addDataset(projectId: string, datasetId: string, resource: Record<string, unknown>): FakeDataset {
    const dataset: FakeDataset = { projectId, datasetId, resource, tables: new Map() };
    this.datasets.set(`${projectId}.${datasetId}`, dataset);
    return dataset;
  }

  table(projectId: string, datasetId: string, tableId: string): FakeTable | undefined {
    return this.dataset(projectId, datasetId)?.tables.get(tableId);
  }

  /** Resolves `projects/{p}/datasets/{d}/tables/{t}` (a write stream's parent). */
  tableOfPath(path: string): FakeTable | undefined {
    const m = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(path);
    return m ? this.table(m[1]!, m[2]!, m[3]!) : undefined;
  }
}
