import { openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migration.js';
import { sqliteMigrations } from '../store/sqlite-migrations.js';
import { describePackStoreContract } from './pack-store-contract.js';
import { SqlitePackStore } from './sqlite-pack-store.js';

describePackStoreContract('SqlitePackStore', () => {
  const db = openDatabase(':memory:');
  applyMigrations(db, sqliteMigrations());
  return new SqlitePackStore(db);
});
