import type { PgMigration } from './pg-migration.js';

/**
 * PostgreSQL version 1: the core tables, as SQLite's version 1. Keys and names compare byte by byte
 * (`COLLATE "C"`), so lists come back in the same order as on SQLite whatever the server's locale.
 */
export const postgresCoreMigration: PgMigration = {
  version: 1,
  name: 'core',
  sql: `
CREATE TABLE flags (
  key TEXT COLLATE "C" PRIMARY KEY,
  definition TEXT NOT NULL,
  owner_pack TEXT,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX flags_owner_pack ON flags (owner_pack);

CREATE TABLE segments (
  name TEXT COLLATE "C" PRIMARY KEY,
  match TEXT NOT NULL,
  etag TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE tokens (
  name TEXT COLLATE "C" PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE audit (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  pack TEXT,
  reason TEXT,
  before TEXT,
  after TEXT,
  revision BIGINT
);
CREATE INDEX audit_pack ON audit (pack, id);
CREATE INDEX audit_at ON audit (at);

CREATE TABLE config_revisions (
  revision BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at TEXT NOT NULL,
  audit_id BIGINT REFERENCES audit (id)
);
CREATE INDEX config_revisions_audit ON config_revisions (audit_id);
`,
};
