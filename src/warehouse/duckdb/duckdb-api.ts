import { createRequire } from 'node:module';
import type * as DuckDbApi from '@duckdb/node-api';

/**
 * The values of @duckdb/node-api that the adapter uses, loaded with require(). The package is
 * CommonJS, and an ESM `import` of it makes Node scan each of its ~120 files for export names
 * (cjs-module-lexer) before running them: on this 2-core machine 174 ms against 93 ms by require,
 * several times that when the machine is busy, most of a pipeline's module loading. Types still come
 * from `import type … from '@duckdb/node-api'`.
 */
const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDbApi;

export const { DuckDBInstance, DuckDBTypeId, JSDuckDBValueConverter } = api;
export type DuckDBInstance = DuckDbApi.DuckDBInstance;
export type DuckDBTypeId = DuckDbApi.DuckDBTypeId;
