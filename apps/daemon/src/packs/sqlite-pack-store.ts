import type { SqliteDatabase } from '../db/database.js';
import { type PackRow, packEtag, packFromRow, type RevisionRow, revisionFromRow } from './pack-rows.js';
import type { PackRevision, PackStore, PackWrite, StoredPack } from './pack-store.js';

/** {@link PackStore} on the `packs` and `pack_revisions` tables; documents are kept as normalised JSON. */
export class SqlitePackStore implements PackStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(name: string): StoredPack | undefined {
    const row = this.#db.prepare<[string], PackRow>('SELECT * FROM packs WHERE name = ?').get(name);
    return row && packFromRow(row);
  }

  list(): StoredPack[] {
    return this.#db.prepare<[], PackRow>('SELECT * FROM packs ORDER BY name').all().map(packFromRow);
  }

  history(name: string): PackRevision[] {
    return this.#db
      .prepare<[string], RevisionRow>(
        `SELECT revision, version, document, outcome, rollout_id, actor, applied_at FROM pack_revisions
         WHERE pack = ? ORDER BY revision DESC`,
      )
      .all(name)
      .map(revisionFromRow);
  }

  put(write: PackWrite): StoredPack {
    const name = write.pack.metadata.name;
    const document = JSON.stringify(write.pack);
    const revision = (this.get(name)?.revision ?? 0) + 1;
    const etag = packEtag(revision, write.stableVersion, document);
    this.#db
      .prepare(
        `INSERT INTO packs (name, stable_version, revision, document, etag, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET stable_version = excluded.stable_version, revision = excluded.revision,
           document = excluded.document, etag = excluded.etag, updated_at = excluded.updated_at`,
      )
      .run(name, write.stableVersion, revision, document, etag, write.at, write.at);
    this.#db
      .prepare(
        `INSERT INTO pack_revisions (pack, revision, version, document, outcome, rollout_id, actor, applied_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        name,
        revision,
        write.pack.spec.version,
        document,
        write.outcome,
        write.rolloutId,
        write.actor,
        write.at,
      );
    return this.#mustGet(name);
  }

  setStableVersion(name: string, version: string, at: string): StoredPack {
    const current = this.#mustGet(name);
    const etag = packEtag(current.revision, version, JSON.stringify(current.pack));
    this.#db
      .prepare('UPDATE packs SET stable_version = ?, etag = ?, updated_at = ? WHERE name = ?')
      .run(version, etag, at, name);
    return this.#mustGet(name);
  }

  delete(name: string): boolean {
    this.#db.prepare('DELETE FROM pack_upgrade_notes WHERE pack = ?').run(name);
    return this.#db.prepare('DELETE FROM packs WHERE name = ?').run(name).changes > 0;
  }

  takeUpgradeNotes(name: string): string[] {
    const notes = this.#db
      .prepare<[string], { note: string }>('SELECT note FROM pack_upgrade_notes WHERE pack = ? ORDER BY id')
      .all(name)
      .map((row) => row.note);
    if (notes.length > 0) this.#db.prepare('DELETE FROM pack_upgrade_notes WHERE pack = ?').run(name);
    return notes;
  }

  #mustGet(name: string): StoredPack {
    const stored = this.get(name);
    if (!stored) throw new Error(`pack ${name} does not exist`);
    return stored;
  }
}
