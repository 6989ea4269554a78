import type { PgMigration } from '../db/pg-migration.js';

/**
 * PostgreSQL version 4: the analysis slices, the unit exposures, the telemetry sources and the trace join
 * (SQLite's 3, 5 and 142). Unlike SQLite's, slice and exposure rows are keyed by `writer` too: each daemon process
 * writes only its own rows (so its cache of them is exact), and reads merge every writer's rows of a slice, so
 * several replicas ingesting into one database never overwrite each other's contribution.
 */
export const postgresSliceMigration: PgMigration = {
  version: 4,
  name: 'analysis-slices-exposures-and-trace-join',
  sql: `
CREATE TABLE aggregate_slices (
  rollout_id TEXT NOT NULL,
  arm TEXT NOT NULL,
  scope TEXT NOT NULL,
  slice_start BIGINT NOT NULL,
  writer TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (rollout_id, arm, scope, slice_start, writer)
);
CREATE INDEX aggregate_slices_time ON aggregate_slices (rollout_id, slice_start);

CREATE TABLE analysis_sources (
  rollout_id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  decided_at TEXT NOT NULL
);

CREATE TABLE unit_exposures (
  rollout_id TEXT NOT NULL,
  slice_start BIGINT NOT NULL,
  writer TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (rollout_id, slice_start, writer)
);

CREATE TABLE trace_batches (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recorded_at BIGINT NOT NULL,
  rollout_id TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  arm TEXT NOT NULL,
  variant TEXT NOT NULL,
  scope TEXT NOT NULL,
  count INTEGER NOT NULL,
  trace_ids BYTEA NOT NULL,
  units TEXT NOT NULL
);
CREATE INDEX trace_batches_recorded_at ON trace_batches (recorded_at);
`,
};

/** PostgreSQL version 10: which version each pack's rolling baseline holds (SQLite's 170). */
export const postgresBaselineMigration: PgMigration = {
  version: 10,
  name: 'pack-baselines',
  sql: `
CREATE TABLE pack_baselines (
  rollout_id TEXT PRIMARY KEY,
  pack TEXT COLLATE "C" NOT NULL,
  version TEXT NOT NULL
);
`,
};
