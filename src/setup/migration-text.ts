import type { SchemaMigration, SchemaStep } from '../warehouse/migration/schema-migration.js';

/**
 * A migration as `setup --dry-run` prints it: a script of the statements, in order, each ending with
 * `;`. API calls that are no SQL (tables.patch, load jobs) are comments; a view's long SELECT is
 * shortened to its first line, since it is the model's, as committed in sql/<engine>/.
 */
export function migrationText(migration: SchemaMigration): string[] {
  return migration.steps.map(stepText);
}

function stepText(step: SchemaStep): string {
  if (step.kind === 'patch-schema' || step.kind === 'replace-rows') return `-- ${step.statement}`;
  if (step.kind === 'replace-view') return `${step.statement.split('\n')[0]} … ;`;
  return `${step.statement};`;
}
