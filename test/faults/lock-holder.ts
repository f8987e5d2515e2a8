/**
 * Another process that holds a database's lock until told to let go, for the fault tests:
 *
 *   node --import tsx test/faults/lock-holder.ts duckdb <file>    opens the DuckDB file (DuckDB lets
 *                                                                  one process open it for writing)
 *   node --import tsx test/faults/lock-holder.ts sqlite <file>    BEGIN EXCLUSIVE on an SQLite file
 *                                                                  (the embedded bus's write lock)
 *
 * Prints `locked` once it holds the lock; releases it and exits when its stdin ends (the parent
 * closes it, or dies), printing `released`.
 */
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';

const [kind, file] = process.argv.slice(2);
if (!file || (kind !== 'duckdb' && kind !== 'sqlite'))
  throw new Error('usage: lock-holder.ts duckdb|sqlite <file>');

let release: () => void;
if (kind === 'duckdb') {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run('SELECT 1');
  release = () => {
    connection.closeSync();
    instance.closeSync();
  };
} else {
  const db = new Database(file, { timeout: 30_000 });
  db.exec('BEGIN EXCLUSIVE');
  release = () => {
    db.exec('COMMIT');
    db.close();
  };
}
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  release();
  process.stdout.write('released\n');
  process.exit(0);
});
