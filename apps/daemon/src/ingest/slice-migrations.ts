import type { Migration } from '../db/migration.js';

/**
 * Version 3: the analyzer's per-slice aggregates and which telemetry source each rollout reads.
 *
 * `aggregate_slices` holds one mergeable `ArmAggregate` (its JSON form) per rollout × arm × scope × time slice;
 * `scope` is `split` (assigned by the ramp's split or a window), `targeting` (a segment rule) or `other` (any other
 * reason, e.g. `DEFAULT`). `analysis_sources` records whether a rollout reads spans or span-metric points: the
 * first source to arrive wins, so the two are never counted together.
 */
export const sliceMigration: Migration = {
  version: 3,
  name: 'analysis-aggregate-slices',
  sql: `
CREATE TABLE aggregate_slices (
  rollout_id TEXT NOT NULL,
  arm TEXT NOT NULL,
  scope TEXT NOT NULL,
  slice_start INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (rollout_id, arm, scope, slice_start)
) WITHOUT ROWID;
CREATE INDEX aggregate_slices_time ON aggregate_slices (rollout_id, slice_start);

CREATE TABLE analysis_sources (
  rollout_id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  decided_at TEXT NOT NULL
);
`,
};

/**
 * Version 5: the sample-ratio check's units. One `UnitExposures` (JSON) per rollout × time slice holds the
 * split-assigned units seen in that slice, each at its earliest exposure there; merged over the rollout (the earliest
 * exposure of each unit wins) they are the units at first exposure that the check counts.
 */
export const exposureMigration: Migration = {
  version: 5,
  name: 'analysis-unit-exposures',
  sql: `
CREATE TABLE unit_exposures (
  rollout_id TEXT NOT NULL,
  slice_start INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (rollout_id, slice_start)
) WITHOUT ROWID;
`,
};

/**
 * Version 142 (issue 14's number): the trace join for late scores, persisted as an append-only log. Each row is
 * one batch of traces recorded together with the same assignment: their ids packed 16 bytes apiece and their units
 * (a JSON array); the bounds (age, traces) are kept by `SqliteTraceStore.flush`.
 */
export const traceJoinMigration: Migration = {
  version: 142,
  name: 'trace-batches',
  sql: `
CREATE TABLE trace_batches (
  seq INTEGER PRIMARY KEY,
  recorded_at INTEGER NOT NULL,
  rollout_id TEXT NOT NULL,
  flag_key TEXT NOT NULL,
  arm TEXT NOT NULL,
  variant TEXT NOT NULL,
  scope TEXT NOT NULL,
  count INTEGER NOT NULL,
  trace_ids BLOB NOT NULL,
  units TEXT NOT NULL
);
CREATE INDEX trace_batches_recorded_at ON trace_batches (recorded_at);
`,
};

/**
 * Version 170 (issue 17's number): which version each pack's rolling baseline holds (`pack-baseline.ts`). The
 * baseline's slices live in `aggregate_slices` under the rollout id `baseline:<pack>`; this row says whose figures
 * they are, so that a new stable version never merges into the old one's.
 */
export const baselineMigration: Migration = {
  version: 170,
  name: 'pack-baselines',
  sql: `
CREATE TABLE pack_baselines (
  rollout_id TEXT PRIMARY KEY,
  pack TEXT NOT NULL,
  version TEXT NOT NULL
);
`,
};

/** The analyzer's slice tables, registered in `sqliteMigrations()` (the exposures after the controller's 4). */
export const sliceMigrations: readonly Migration[] = [sliceMigration];

/** The unit exposures table, and the persisted trace join. */
export const exposureMigrations: readonly Migration[] = [exposureMigration, traceJoinMigration];

/** The packs' rolling baselines (after the drills' 161). */
export const baselineMigrations: readonly Migration[] = [baselineMigration];
