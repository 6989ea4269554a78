import type { SqliteDatabase } from './database.js';

/**
 * One schema migration. Versions are unique positive integers applied in ascending order; each feature contributes
 * its own (the core tables are version 1, packs and rollouts bring 2 and up).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Rewrites stored rows after `sql`, in the same transaction, for changes SQL cannot express (re-reading JSON
   * documents with the daemon's own rules).
   */
  run?: (db: SqliteDatabase) => void;
}

/** A migration as recorded in `schema_migrations`. */
export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: string;
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, each in its own transaction together with its
 * record, so that a failing migration leaves the schema at the previous version. Returns the versions applied now.
 *
 * @throws Error when two migrations share a version.
 */
export function applyMigrations(
  db: SqliteDatabase,
  migrations: readonly Migration[],
  now = new Date(),
): number[] {
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= 0) throw new Error(`migration ${m.name}: bad version`);
    if (seen.has(m.version)) throw new Error(`two migrations share version ${m.version}`);
    seen.add(m.version);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set(
    db
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
      .all()
      .map((r) => r.version),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      m.run?.(db);
      record.run(m.version, m.name, now.toISOString());
    })();
    done.push(m.version);
  }
  return done;
}

/** The migrations recorded in the database, oldest first. */
export function appliedMigrations(db: SqliteDatabase): AppliedMigration[] {
  return db
    .prepare<[], AppliedMigration>(
      'SELECT version, name, applied_at AS appliedAt FROM schema_migrations ORDER BY version',
    )
    .all();
}
