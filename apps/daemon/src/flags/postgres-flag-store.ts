import type { Flag } from '@prompt-canary/rules';
import type { PgConnection } from '../db/pg-connection.js';
import { etagOf } from '../http/content-etag.js';
import type { FlagStore, StoredFlag } from './flag-store.js';

/**
 * The columns read, named rather than `*`: a statement is prepared once per connection, and a column added by a
 * later migration (another replica upgrading first) must not change what it returns.
 */
const FLAG_COLUMNS = 'key, definition, owner_pack, etag, created_at, updated_at';

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

/** {@link FlagStore} on PostgreSQL's `flags` table; the flag is kept as its JSON definition. */
export class PostgresFlagStore implements FlagStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  get(key: string): StoredFlag | undefined {
    const row = this.#db.query<FlagRow>(`SELECT ${FLAG_COLUMNS} FROM flags WHERE key = $1`, [key]).rows[0];
    return row && fromRow(row);
  }

  list(): StoredFlag[] {
    return this.#db.query<FlagRow>(`SELECT ${FLAG_COLUMNS} FROM flags ORDER BY key`).rows.map(fromRow);
  }

  put(flag: Flag, ownerPack: string | null, at: string): StoredFlag {
    const definition = JSON.stringify(flag);
    const etag = etagOf(`${ownerPack ?? ''}\n${definition}`);
    const row = this.#db.query<FlagRow>(
      `INSERT INTO flags (key, definition, owner_pack, etag, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (key) DO UPDATE SET definition = excluded.definition, owner_pack = excluded.owner_pack,
         etag = excluded.etag, updated_at = excluded.updated_at
       RETURNING ${FLAG_COLUMNS}`,
      [flag.key, definition, ownerPack, etag, at],
    ).rows[0];
    if (!row) throw new Error(`flag ${flag.key} vanished after write`);
    return fromRow(row);
  }

  delete(key: string): boolean {
    return this.#db.run('DELETE FROM flags WHERE key = $1', [key]) > 0;
  }
}
