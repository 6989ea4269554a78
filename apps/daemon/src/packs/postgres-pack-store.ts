import type { PgConnection } from '../db/pg-connection.js';
import { type PackRow, packEtag, packFromRow, type RevisionRow, revisionFromRow } from './pack-rows.js';
import type { PackRevision, PackStore, PackWrite, StoredPack } from './pack-store.js';

/**
 * The columns read, named rather than `*`: a statement is prepared once per connection, and a column added by a
 * later migration (another replica upgrading first) must not change what it returns.
 */
const PACK_COLUMNS = 'name, stable_version, revision, document, etag, created_at, updated_at';

/** {@link PackStore} on PostgreSQL's `packs` and `pack_revisions` tables; documents are kept as normalised JSON. */
export class PostgresPackStore implements PackStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  get(name: string): StoredPack | undefined {
    const row = this.#db.query<PackRow>(`SELECT ${PACK_COLUMNS} FROM packs WHERE name = $1`, [name]).rows[0];
    return row && packFromRow(row);
  }

  list(): StoredPack[] {
    return this.#db.query<PackRow>(`SELECT ${PACK_COLUMNS} FROM packs ORDER BY name`).rows.map(packFromRow);
  }

  history(name: string): PackRevision[] {
    return this.#db
      .query<RevisionRow>(
        `SELECT revision, version, document, outcome, rollout_id, actor, applied_at FROM pack_revisions
         WHERE pack = $1 ORDER BY revision DESC`,
        [name],
      )
      .rows.map(revisionFromRow);
  }

  put(write: PackWrite): StoredPack {
    const name = write.pack.metadata.name;
    const document = JSON.stringify(write.pack);
    const revision = (this.get(name)?.revision ?? 0) + 1;
    const etag = packEtag(revision, write.stableVersion, document);
    // Both rows in one round trip; the caller's transaction makes them one write.
    const [written] = this.#db.batch([
      {
        sql: `INSERT INTO packs (name, stable_version, revision, document, etag, created_at, updated_at)
              VALUES ($1, $2, $3, $4, $5, $6, $6)
              ON CONFLICT (name) DO UPDATE SET stable_version = excluded.stable_version,
                revision = excluded.revision, document = excluded.document, etag = excluded.etag,
                updated_at = excluded.updated_at
              RETURNING ${PACK_COLUMNS}`,
        params: [name, write.stableVersion, revision, document, etag, write.at],
      },
      {
        sql: `INSERT INTO pack_revisions (pack, revision, version, document, outcome, rollout_id, actor, applied_at)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        params: [
          name,
          revision,
          write.pack.spec.version,
          document,
          write.outcome,
          write.rolloutId,
          write.actor,
          write.at,
        ],
      },
    ]);
    const row = written?.rows[0] as PackRow | undefined;
    if (row === undefined) throw new Error(`pack ${name} vanished after write`);
    return packFromRow(row);
  }

  setStableVersion(name: string, version: string, at: string): StoredPack {
    const current = this.#mustGet(name);
    const etag = packEtag(current.revision, version, JSON.stringify(current.pack));
    this.#db.run('UPDATE packs SET stable_version = $1, etag = $2, updated_at = $3 WHERE name = $4', [
      version,
      etag,
      at,
      name,
    ]);
    return this.#mustGet(name);
  }

  delete(name: string): boolean {
    const [, deleted] = this.#db.batch([
      { sql: 'DELETE FROM pack_upgrade_notes WHERE pack = $1', params: [name] },
      { sql: 'DELETE FROM packs WHERE name = $1', params: [name] },
    ]);
    return (deleted?.rowCount ?? 0) > 0;
  }

  takeUpgradeNotes(name: string): string[] {
    return this.#db
      .query<{ id: number; note: string }>(
        'DELETE FROM pack_upgrade_notes WHERE pack = $1 RETURNING id, note',
        [name],
      )
      .rows.sort((a, b) => a.id - b.id)
      .map((row) => row.note);
  }

  #mustGet(name: string): StoredPack {
    const stored = this.get(name);
    if (!stored) throw new Error(`pack ${name} does not exist`);
    return stored;
  }
}
