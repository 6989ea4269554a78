import type { SqliteDatabase } from '../db/database.js';
import type { PackVersion, PackVersionStore } from './pack-version-store.js';
import type { VersionBundle } from './version-bundle.js';

interface VersionRow {
  pack: string;
  version: string;
  content_hash: string;
  bundle: string;
  bytes: number;
  revision: number;
  actor: string;
  first_applied_at: string;
}

function fromRow(row: VersionRow): PackVersion {
  return {
    pack: row.pack,
    version: row.version,
    contentHash: row.content_hash,
    bundle: JSON.parse(row.bundle) as VersionBundle,
    bytes: row.bytes,
    revision: row.revision,
    actor: row.actor,
    firstAppliedAt: row.first_applied_at,
  };
}

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
      .map(fromRow);
  }

  get(pack: string, version: string): PackVersion | undefined {
    const row = this.#db
      .prepare<[string, string], VersionRow>('SELECT * FROM pack_versions WHERE pack = ? AND version = ?')
      .get(pack, version);
    return row && fromRow(row);
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
