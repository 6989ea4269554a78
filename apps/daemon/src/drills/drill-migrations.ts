import type { Migration } from '../db/migration.js';

/** Version 161: each pack's last rollback drill (when, whether every step held, the steps' report). */
export const drillMigration: Migration = {
  version: 161,
  name: 'pack-drills',
  sql: `
CREATE TABLE pack_drills (
  pack TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  ok INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  steps TEXT NOT NULL
);
`,
};

/** The rollback drills' migrations, registered in `sqliteMigrations()`. */
export const drillMigrations: readonly Migration[] = [drillMigration];
