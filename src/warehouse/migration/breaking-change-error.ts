import { ShopstreamError } from '../../errors/shopstream-error.js';
import type { SchemaConflict } from './plan-table-migration.js';

/**
 * The refusal of a migration that would lose or reinterpret data: it names every column and the ways
 * forward, and is raised before anything is changed.
 */
export function breakingChangeError(uri: string, conflicts: readonly SchemaConflict[]): ShopstreamError {
  const lines = conflicts.map((c) => `  ${c.table}.${c.path} ${c.problem}`);
  return new ShopstreamError(
    'SHOP_E_WAREHOUSE_BREAKING_CHANGE',
    [
      `setup refuses to migrate ${uri}: the model would remove, rename, retype or require columns that hold data, and setup only ever adds columns. Nothing was changed.`,
      ...lines,
      'Ways forward (docs/schema-evolution.md#breaking-changes):',
      '  - keep the old field in the contract (optional, deprecated) and add the new shape as a new optional field; a view bridges them, e.g. COALESCE(new_field, CAST(old_field AS …));',
      '  - or ship a new table version (a new event type and table, such as orders_v2) and fill it from the archive with `shopstream backfill`;',
      '  - or undo the breaking part of the change: `shopstream contract check --against main` names it.',
    ].join('\n'),
    { context: { conflicts } },
  );
}
