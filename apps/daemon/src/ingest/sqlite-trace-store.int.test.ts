import { openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migration.js';
import { sqliteMigrations } from '../store/sqlite-migrations.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';
import { describeTraceStoreContract } from './trace-store-contract.js';

describeTraceStoreContract('SqliteTraceStore', () => {
  const db = openDatabase(':memory:');
  applyMigrations(db, sqliteMigrations());
  return {
    open: (options) => new SqliteTraceStore(db, options),
    batchRows: () => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM trace_batches').get()?.n ?? 0,
  };
});
