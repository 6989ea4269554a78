import type { SqliteDatabase } from '../db/database.js';
import { type VersionRow, versionFromRow } from './pack-version-rows.js';
import type { PackVersion, PackVersionStore } from './pack-version-store.js';

/** {@link PackVersionStore} on the `pack_versions` table (migration 150). */
export class SqlitePackVersionStore implements PackVersionStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  list(pack: string): PackVersion[] {
    return this.#db
      .prepare<[string], VersionRow>('SELECT * FROM pack_versions WHERE pack = ? ORDER BY seq')
      .all(pack)
      .map(versionFromRow);
  }

  get(pack: string, version: string): PackVersion | undefined {
    const row = this.#db
      .prepare<[string, string], VersionRow>('SELECT * FROM pack_versions WHERE pack = ? AND version = ?')
      .get(pack, version);
    return row && versionFromRow(row);
  }

  record(version: PackVersion): void {
    // The first apply fixes a version: a second record of it (same content, as the route checked) changes nothing.
    this.#db
      .prepare(
        `INSERT INTO pack_versions (pack, version, content_hash, bundle, bytes, revision, actor, first_applied_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pack, version) DO NOTHING`,
      )
      .run(
        version.pack,
        version.version,
        version.contentHash,
        JSON.stringify(version.bundle),
        version.bytes,
        version.revision,
        version.actor,
        version.firstAppliedAt,
      );
  }

  deletePack(pack: string): void {
    this.#db.prepare('DELETE FROM pack_versions WHERE pack = ?').run(pack);
  }
}
