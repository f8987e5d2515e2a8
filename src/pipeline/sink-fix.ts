import type { ErrorCode } from '../errors/error-codes.js';

/** What an operator does about a sink failure no retry can fix, by code; the pipeline resumes by itself. */
const FIXES: Partial<Record<ErrorCode, string>> = {
  SHOP_E_WAREHOUSE_SCHEMA:
    'A warehouse table or dataset is missing or differs from the model: run `shopstream setup` (or `terraform apply`), or migrate the table.',
  SHOP_E_WAREHOUSE_REJECTED:
    "The warehouse refuses the writes: grant the pipeline's service account its BigQuery roles (BigQuery Data Editor on the dataset, Job User on the project), or fix the table the message names.",
  SHOP_E_WAREHOUSE_UNAVAILABLE:
    'The warehouse cannot be used as configured: check its URI and credentials (`gcloud auth application-default login`, or a service account on Google Cloud).',
  SHOP_E_WAREHOUSE_QUERY:
    'The warehouse refused the write statement: read its message; the table may have been changed by hand (recreate it with `shopstream setup`).',
  SHOP_E_LAKE_WRITE:
    "The lake refuses the writes: check the bucket or folder exists and that the pipeline's identity may create objects in it (storage.objects.create; or the folder's permissions).",
};

/** The fix, in words, for a sink blocked with `code`. */
export function fixOf(code: ErrorCode, sink: string): string {
  const fix =
    FIXES[code] ??
    `Read the error's message and fix what it names for the ${sink}; its code is documented in docs/errors.md.`;
  return `${fix} The messages are held meanwhile (not acked, not dead-lettered), and the pipeline resumes on its own once it is fixed.`;
}
