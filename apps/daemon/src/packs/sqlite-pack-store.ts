import type { SqliteDatabase } from '../db/database.js';
import { etagOf } from '../http/content-etag.js';
import type { PackOutcome, PackRevision, PackStore, PackWrite, StoredPack } from './pack-store.js';
import type { PromptPack } from './prompt-pack.js';

interface PackRow {
  name: string;
  stable_version: string;
  revision: number;
  document: string;
  etag: string;
  created_at: string;
  updated_at: string;
}

interface RevisionRow {
  revision: number;
  version: string;
  document: string;
  outcome: PackOutcome;
  rollout_id: string | null;
  actor: string;
  applied_at: string;
}

function fromRow(row: PackRow): StoredPack {
  return {
    name: row.name,
    stableVersion: row.stable_version,
    revision: row.revision,
    pack: JSON.parse(row.document) as PromptPack,
    etag: row.etag,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function packEtag(revision: number, stableVersion: string, document: string): string {
  return etagOf(`${revision}\n${stableVersion}\n${document}`);
}

/** {@link PackStore} on the `packs` and `pack_revisions` tables; documents are kept as normalised JSON. */
export class SqlitePackStore implements PackStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(name: string): StoredPack | undefined {
    const row = this.#db.prepare<[string], PackRow>('SELECT * FROM packs WHERE name = ?').get(name);
    return row && fromRow(row);
  }

  list(): StoredPack[] {
    return this.#db.prepare<[], PackRow>('SELECT * FROM packs ORDER BY name').all().map(fromRow);
  }

  history(name: string): PackRevision[] {
    return this.#db
      .prepare<[string], RevisionRow>(
        `SELECT revision, version, document, outcome, rollout_id, actor, applied_at FROM pack_revisions
         WHERE pack = ? ORDER BY revision DESC`,
      )
      .all(name)
      .map((row) => ({
        revision: row.revision,
        version: row.version,
        outcome: row.outcome,
        rolloutId: row.rollout_id,
        actor: row.actor,
        appliedAt: row.applied_at,
        pack: JSON.parse(row.document) as PromptPack,
      }));
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
