import { openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migration.js';
import { sqliteMigrations } from '../store/sqlite-migrations.js';
import { describeRolloutStoreContract } from './rollout-store-contract.js';
import { SqliteRolloutStore } from './sqlite-rollout-store.js';

describeRolloutStoreContract('SqliteRolloutStore', () => {
  const db = openDatabase(':memory:');
  applyMigrations(db, sqliteMigrations());
  return new SqliteRolloutStore(db);
});
