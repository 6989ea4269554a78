import { analysisMigrations } from '../analysis/analysis-migrations.js';
import { controllerMigrations } from '../controller/controller-migrations.js';
import { packMigrations } from '../packs/pack-migrations.js';
import { coreMigration } from './core-migration.js';
import type { Migration } from './migration.js';

/**
 * Every migration of the daemon, in version order. Features contribute theirs here: the core tables are
 * version 1; packs and rollouts (`src/packs/pack-migrations.ts`) bring version 2 and up.
 */
export function daemonMigrations(): readonly Migration[] {
  return [
    coreMigration,
    // ── feature migrations (version 2+) go here, e.g. ...packMigrations ──
    ...packMigrations,
    ...analysisMigrations,
    ...controllerMigrations,
  ];
}
