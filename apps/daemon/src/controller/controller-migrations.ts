import type { Migration } from '../db/migration.js';

/**
 * Version 4: what the rollout controller keeps between looks, one row per rollout: its memory (consecutive
 * failures, inconclusive timers), the analysis' sequential state, and the last look with its verdicts
 * (`lastCheck`, which the API shows). The row goes with its rollout.
 */
export const controllerMigration: Migration = {
  version: 4,
  name: 'rollout-controller-state',
  sql: `
CREATE TABLE controller_state (
  rollout_id TEXT PRIMARY KEY REFERENCES rollouts (id) ON DELETE CASCADE,
  memory TEXT NOT NULL,
  sequential_state TEXT,
  last_check TEXT,
  updated_at TEXT NOT NULL
);
`,
};

/** The controller's migrations, registered in `sqliteMigrations()`. */
export const controllerMigrations: readonly Migration[] = [controllerMigration];
