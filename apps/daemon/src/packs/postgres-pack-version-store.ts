import type { PgConnection } from '../db/pg-connection.js';
import { type VersionRow, versionFromRow } from './pack-version-rows.js';
import type { PackVersion, PackVersionStore } from './pack-version-store.js';

/** The columns read, named rather than `*` (see `postgres-pack-store.ts`). */
const COLUMNS = 'pack, version, content_hash, bundle, bytes, revision, actor, first_applied_at';

/** {@link PackVersionStore} on PostgreSQL's `pack_versions` table. */
export class PostgresPackVersionStore implements PackVersionStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  list(pack: string): PackVersion[] {
    return this.#db
      .query<VersionRow>(`SELECT ${COLUMNS} FROM pack_versions WHERE pack = $1 ORDER BY seq`, [pack])
      .rows.map(versionFromRow);
  }

  get(pack: string, version: string): PackVersion | undefined {
    const row = this.#db.query<VersionRow>(
      `SELECT ${COLUMNS} FROM pack_versions WHERE pack = $1 AND version = $2`,
      [pack, version],
    ).rows[0];
    return row && versionFromRow(row);
  }

  record(version: PackVersion): void {
    // The first apply fixes a version: a second record of it (same content, as the route checked) changes nothing.
    this.#db.run(
      `INSERT INTO pack_versions (pack, version, content_hash, bundle, bytes, revision, actor, first_applied_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (pack, version) DO NOTHING`,
      [
        version.pack,
        version.version,
        version.contentHash,
        JSON.stringify(version.bundle),
        version.bytes,
        version.revision,
        version.actor,
        version.firstAppliedAt,
      ],
    );
  }

  deletePack(pack: string): void {
    this.#db.run('DELETE FROM pack_versions WHERE pack = $1', [pack]);
  }
}
