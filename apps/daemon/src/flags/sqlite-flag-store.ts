import type { Flag } from '@prompt-canary/rules';
import type { SqliteDatabase } from '../db/database.js';
import { etagOf } from '../http/content-etag.js';
import type { FlagStore, StoredFlag } from './flag-store.js';

interface FlagRow {
  key: string;
  definition: string;
  owner_pack: string | null;
  etag: string;
  created_at: string;
  updated_at: string;
}

function fromRow(row: FlagRow): StoredFlag {
  return {
    flag: JSON.parse(row.definition) as Flag,
    ownerPack: row.owner_pack,
    etag: row.etag,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** {@link FlagStore} on the `flags` table; the flag is kept as its JSON definition. */
export class SqliteFlagStore implements FlagStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(key: string): StoredFlag | undefined {
    const row = this.#db.prepare<[string], FlagRow>('SELECT * FROM flags WHERE key = ?').get(key);
    return row && fromRow(row);
  }

  list(): StoredFlag[] {
    return this.#db.prepare<[], FlagRow>('SELECT * FROM flags ORDER BY key').all().map(fromRow);
  }

  put(flag: Flag, ownerPack: string | null, at: string): StoredFlag {
    const definition = JSON.stringify(flag);
    const etag = etagOf(`${ownerPack ?? ''}\n${definition}`);
    this.#db
      .prepare(
        `INSERT INTO flags (key, definition, owner_pack, etag, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET definition = excluded.definition, owner_pack = excluded.owner_pack,
           etag = excluded.etag, updated_at = excluded.updated_at`,
      )
      .run(flag.key, definition, ownerPack, etag, at, at);
    const stored = this.get(flag.key);
    if (!stored) throw new Error(`flag ${flag.key} vanished after write`);
    return stored;
  }

  delete(key: string): boolean {
    return this.#db.prepare('DELETE FROM flags WHERE key = ?').run(key).changes > 0;
  }
}
