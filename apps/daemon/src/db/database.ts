import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** An open better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Milliseconds a writer waits for a lock held by another connection before failing (default 5000). */
  busyTimeoutMs?: number;
  /**
   * `normal` (default): in WAL mode, the log is synced at checkpoints only, so a power loss can drop the last
   * acknowledged transactions (a killed process cannot). `full`: synced at every commit.
   */
  synchronous?: 'normal' | 'full';
}

/**
 * Opens (creating it and its folder when needed) the SQLite database at `path`, or an in-memory one for
 * `:memory:`, in WAL mode with foreign keys enforced. Migrations are applied separately ({@link applyMigrations}).
 *
 * @example
 * const db = openDatabase('./data/canary.db');
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  if (path !== ':memory:' && !path.startsWith('file:')) {
    mkdirSync(dirname(path), { recursive: true });
  }
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    // WAL lets readers (config snapshots, SSE) proceed while a change commits; `:memory:` stays in memory mode.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
