import type { Migration } from '../db/migration.js';

/**
 * Version 160: the evaluation hook's batches, one row per batch sent (ids and counts only: the trace ids
 * themselves travel to the hook and are not kept). The rows go with their rollout.
 */
export const evaluationBatchMigration: Migration = {
  version: 160,
  name: 'evaluation-batches',
  sql: `
CREATE TABLE evaluation_batches (
  id TEXT PRIMARY KEY,
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  pack TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  deadline_at INTEGER NOT NULL,
  stable_traces INTEGER NOT NULL,
  canary_traces INTEGER NOT NULL,
  scores INTEGER NOT NULL DEFAULT 0,
  scored_at INTEGER,
  state TEXT NOT NULL CHECK (state IN ('pending', 'scored', 'late'))
);
CREATE INDEX evaluation_batches_rollout ON evaluation_batches (rollout_id, sent_at);
CREATE INDEX evaluation_batches_pending ON evaluation_batches (state, deadline_at);
`,
};

/** The evaluation sampling's migrations, registered in `sqliteMigrations()`. */
export const evaluationMigrations: readonly Migration[] = [evaluationBatchMigration];
