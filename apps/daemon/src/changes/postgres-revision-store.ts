import type { PgConnection } from '../db/pg-connection.js';
import type { RevisionStore } from './revision-store.js';

/**
 * {@link RevisionStore} on PostgreSQL's `config_revisions` (an identity column never reuses a number). Revisions
 * are taken inside a change, under the change lock, so they grow in commit order across every process.
 */
export class PostgresRevisionStore implements RevisionStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  next(at: string, auditId: number | null): number {
    const row = this.#db.query<{ revision: number }>(
      'INSERT INTO config_revisions (at, audit_id) VALUES ($1, $2) RETURNING revision',
      [at, auditId],
    ).rows[0];
    if (row === undefined) throw new Error('no revision returned');
    return row.revision;
  }

  current(): number {
    return (
      this.#db.query<{ revision: number | null }>('SELECT max(revision) AS revision FROM config_revisions')
        .rows[0]?.revision ?? 0
    );
  }
}
