/** Where a reconcile is: which side it reads, and how far (files, of how many). */
export interface ReconcileProgress {
  readonly side: 'archive' | 'lake' | 'warehouse';
  readonly done: number;
  readonly total: number;
}

export type ReconcileProgressListener = (progress: ReconcileProgress) => void;
