import { controllerMigrations } from '../controller/controller-migrations.js';
import { coreMigration } from '../db/core-migration.js';
import type { Migration } from '../db/migration.js';
import { drillMigrations } from '../drills/drill-migrations.js';
import { evaluationMigrations } from '../evaluations/evaluation-migrations.js';
import { baselineMigrations, exposureMigrations, sliceMigrations } from '../ingest/slice-migrations.js';
import { packMigrations } from '../packs/pack-migrations.js';

/**
 * Every migration of the SQLite schema, in version order: the core tables (flags, segments, tokens, audit,
 * revisions) are version 1; packs and rollouts bring 2, the analysis slices 3, the controller's state 4, the
 * sample-ratio check's unit exposures 5; issues take numbers of their own range
 * (141-142 metric words and slices, 150 pack versions with their content, 160 the evaluation hook's batches, 161
 * the packs' last rollback drills, 170 the packs' rolling baselines). Each feature keeps its migrations beside its SQLite adapter; this registry, owned by the store that
 * composes those adapters, is the one place that orders them.
 */
export function sqliteMigrations(): readonly Migration[] {
  return [
    coreMigration,
    ...packMigrations,
    ...sliceMigrations,
    ...controllerMigrations,
    ...exposureMigrations,
    ...evaluationMigrations,
    ...drillMigrations,
    ...baselineMigrations,
  ];
}
