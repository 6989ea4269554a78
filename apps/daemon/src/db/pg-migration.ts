import type { PgConnection } from './pg-connection.js';

/**
 * One PostgreSQL schema migration. PostgreSQL has its own numbered set, apart from SQLite's: each feature keeps
 * its migrations beside its PostgreSQL adapter, and `postgresMigrations()` in `store/` orders them.
 */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, each in its own transaction with its record,
 * under a session advisory lock per schema, so that replicas starting together apply each migration exactly once
 * (the others wait, then find it recorded). Returns the versions applied now.
 *
 * @throws Error when two migrations share a version, or a migration fails (nothing of it stays).
 */
export function applyPgMigrations(
  conn: PgConnection,
  migrations: readonly PgMigration[],
  now = new Date(),
): number[] {
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= 0) throw new Error(`migration ${m.name}: bad version`);
    if (seen.has(m.version)) throw new Error(`two migrations share version ${m.version}`);
    seen.add(m.version);
  }
  conn.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const applied = new Set(
      conn.query<{ version: number }>('SELECT version FROM schema_migrations').rows.map((r) => r.version),
    );
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      conn.transaction(() => {
        conn.exec(m.sql);
        conn.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          now.toISOString(),
        ]);
      }, false);
      done.push(m.version);
    }
    return done;
  } finally {
    conn.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
  }
}

/** The migrations recorded in the database, oldest first. */
export function appliedPgMigrations(
  conn: PgConnection,
): Array<{ version: number; name: string; appliedAt: string }> {
  return conn.query<{ version: number; name: string; appliedAt: string }>(
    'SELECT version, name, applied_at AS "appliedAt" FROM schema_migrations ORDER BY version',
  ).rows;
}

/** The key of the migration lock: one per schema. */
const MIGRATION_LOCK = `hashtext(current_schema() || ':canaryd-migrations')`;
