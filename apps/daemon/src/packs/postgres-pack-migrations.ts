import type { PgMigration } from '../db/pg-migration.js';

/**
 * PostgreSQL version 2: packs, their history, rollouts, timelines and the upgrade notes (SQLite's 2 and 141 in
 * one: a PostgreSQL database starts with the metric words already written down, so it has nothing to upgrade).
 * `rollouts.seq` stands for SQLite's rowid: the order in which rollouts were first saved.
 */
export const postgresPackMigration: PgMigration = {
  version: 2,
  name: 'packs-and-rollouts',
  sql: `
CREATE TABLE packs (
  name TEXT COLLATE "C" PRIMARY KEY,
  stable_version TEXT NOT NULL,
  revision INTEGER NOT NULL,
  document TEXT NOT NULL,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE pack_revisions (
  pack TEXT COLLATE "C" NOT NULL REFERENCES packs (name) ON DELETE CASCADE,
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
  seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  pack TEXT NOT NULL,
  phase TEXT NOT NULL,
  record TEXT NOT NULL,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX rollouts_pack_phase ON rollouts (pack, phase);

CREATE TABLE rollout_timeline (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  entry TEXT NOT NULL
);
CREATE INDEX rollout_timeline_rollout ON rollout_timeline (rollout_id, id);

CREATE TABLE pack_upgrade_notes (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pack TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX pack_upgrade_notes_pack ON pack_upgrade_notes (pack, id);
`,
};
