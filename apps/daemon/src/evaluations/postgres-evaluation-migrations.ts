import type { PgMigration } from '../db/pg-migration.js';

/** PostgreSQL version 8: the evaluation hook's batches (SQLite's 160). */
export const postgresEvaluationBatchMigration: PgMigration = {
  version: 8,
  name: 'evaluation-batches',
  sql: `
CREATE TABLE evaluation_batches (
  id TEXT PRIMARY KEY,
  rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
  pack TEXT NOT NULL,
  sent_at BIGINT NOT NULL,
  deadline_at BIGINT NOT NULL,
  stable_traces INTEGER NOT NULL,
  canary_traces INTEGER NOT NULL,
  scores INTEGER NOT NULL DEFAULT 0,
  scored_at BIGINT,
  state TEXT NOT NULL CHECK (state IN ('pending', 'scored', 'late'))
);
CREATE INDEX evaluation_batches_rollout ON evaluation_batches (rollout_id, sent_at);
CREATE INDEX evaluation_batches_pending ON evaluation_batches (state, deadline_at);
`,
};
