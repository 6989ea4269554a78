import type { PgMigration } from '../db/pg-migration.js';

/** PostgreSQL version 9: each pack's last rollback drill (SQLite's 161). */
export const postgresDrillMigration: PgMigration = {
  version: 9,
  name: 'pack-drills',
  sql: `
CREATE TABLE pack_drills (
  pack TEXT COLLATE "C" PRIMARY KEY,
  at TEXT NOT NULL,
  ok BOOLEAN NOT NULL,
  revision INTEGER NOT NULL,
  steps TEXT NOT NULL
);
`,
};
