import type { Migration } from './migration.js';

/**
 * Version 1: the daemon's core tables. Flags (a pack's compiled flag is a row with `owner_pack` set), segments,
 * tokens (hashes only), the audit log and the monotonic config revisions.
 */
export const coreMigration: Migration = {
  version: 1,
  name: 'core',
  sql: `
CREATE TABLE flags (
  key TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  owner_pack TEXT,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX flags_owner_pack ON flags (owner_pack);

CREATE TABLE segments (
  name TEXT PRIMARY KEY,
  match TEXT NOT NULL,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE tokens (
  name TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  pack TEXT,
  reason TEXT,
  before TEXT,
  after TEXT,
  revision INTEGER
);
CREATE INDEX audit_pack ON audit (pack, id);

CREATE TABLE config_revisions (
  revision INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  audit_id INTEGER REFERENCES audit (id)
);
`,
};
