import type { PgMigration } from '../db/pg-migration.js';

/** PostgreSQL version 3: the rollout controller's state, one row per rollout (SQLite's version 4). */
export const postgresControllerMigration: PgMigration = {
  version: 3,
  name: 'rollout-controller-state',
  sql: `
CREATE TABLE controller_state (
  rollout_id TEXT PRIMARY KEY REFERENCES rollouts (id) ON DELETE CASCADE,
  memory TEXT NOT NULL,
  sequential_state TEXT,
  last_check TEXT,
  updated_at TEXT NOT NULL
);
`,
};
