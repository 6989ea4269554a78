import type { SqliteDatabase } from '../db/database.js';
import type { RevisionStore } from './revision-store.js';

/** {@link RevisionStore} on `config_revisions` (AUTOINCREMENT never reuses a number, even after deletes). */
export class SqliteRevisionStore implements RevisionStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  next(at: string, auditId: number | null): number {
    const info = this.#db
      .prepare('INSERT INTO config_revisions (at, audit_id) VALUES (?, ?)')
      .run(at, auditId);
    return Number(info.lastInsertRowid);
  }

  current(): number {
    const row = this.#db
      .prepare<[], { revision: number | null }>('SELECT MAX(revision) AS revision FROM config_revisions')
      .get();
    return row?.revision ?? 0;
  }
}
