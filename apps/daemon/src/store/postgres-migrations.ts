import { postgresChangeAnnounceMigration } from '../changes/pg-change-announce.js';
import { postgresLeaseMigration } from '../controller/pg-lease-sql.js';
import { postgresControllerMigration } from '../controller/postgres-controller-migrations.js';
import type { PgMigration } from '../db/pg-migration.js';
import { postgresCoreMigration } from '../db/postgres-core-migration.js';
import { postgresDrillMigration } from '../drills/postgres-drill-migrations.js';
import { postgresEvaluationBatchMigration } from '../evaluations/postgres-evaluation-migrations.js';
import { postgresBaselineMigration, postgresSliceMigration } from '../ingest/postgres-slice-migrations.js';
import { postgresPackMigration, postgresPackVersionMigration } from '../packs/postgres-pack-migrations.js';

/**
 * Every migration of the PostgreSQL schema, in version order (a numbering of its own, apart from SQLite's): the
 * core tables 1, packs and rollouts 2, the controller's state 3, the analysis slices and the trace join 4, the
 * replicas' change feed 5 and lease 6, the pack versions 7, the evaluation batches 8, the rollback drills 9, the packs' rolling baselines 10. Each
 * feature keeps its migrations beside its PostgreSQL adapter; this registry is the one place that orders them.
 */
export function postgresMigrations(): readonly PgMigration[] {
  return [
    postgresCoreMigration,
    postgresPackMigration,
    postgresControllerMigration,
    postgresSliceMigration,
    postgresChangeAnnounceMigration,
    postgresLeaseMigration,
    postgresPackVersionMigration,
    postgresEvaluationBatchMigration,
    postgresDrillMigration,
    postgresBaselineMigration,
  ];
}
