import type { Migration } from '../db/migration.js';

/**
 * Version 2: packs, their revision history, rollouts and rollout timelines. A pack's compiled flag lives in the
 * core `flags` table with `owner_pack` set; rollouts keep their whole record (spec and plan included) as JSON so
 * a restart resumes exactly where it was.
 */
export const packsMigration: Migration = {
  version: 2,
  name: 'packs-and-rollouts',
  sql: `
CREATE TABLE packs (
  name TEXT PRIMARY KEY,
  stable_version TEXT NOT NULL,
  revision INTEGER NOT NULL,
  document TEXT NOT NULL,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE pack_revisions (
  pack TEXT NOT NULL REFERENCES packs (name) ON DELETE CASCADE,
  revision INTEGER NOT NULL,
  version TEXT NOT NULL,
  document TEXT NOT NULL,
  outcome TEXT NOT NULL,
  rollout_id TEXT,
  actor TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (pack, revision)
);

CREATE TABLE rollouts (
  id TEXT PRIMARY KEY,
  pack TEXT NOT NULL,
  phase TEXT NOT NULL,
  record TEXT NOT NULL,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX rollouts_pack_phase ON rollouts (pack, phase);

CREATE TABLE rollout_timeline (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  entry TEXT NOT NULL
);
CREATE INDEX rollout_timeline_rollout ON rollout_timeline (rollout_id, id);
`,
};

/** The migrations of packs and rollouts, registered in `sqliteMigrations()`. */
export const packMigrations: readonly Migration[] = [packsMigration];
