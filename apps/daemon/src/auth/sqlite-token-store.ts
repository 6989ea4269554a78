import type { SqliteDatabase } from '../db/database.js';
import type { Scope } from './scopes.js';
import type { StoredToken, TokenStore } from './token-store.js';

interface TokenRow {
  name: string;
  token_hash: string;
  scopes: string;
  created_at: string;
}

function fromRow(row: TokenRow): StoredToken {
  return {
    name: row.name,
    tokenHash: row.token_hash,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
  };
}

/** {@link TokenStore} on the `tokens` table. */
export class SqliteTokenStore implements TokenStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(name: string): StoredToken | undefined {
    const row = this.#db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE name = ?').get(name);
    return row && fromRow(row);
  }

  list(): StoredToken[] {
    return this.#db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY name').all().map(fromRow);
  }

  put(token: StoredToken): void {
    this.#db
      .prepare(
        `INSERT INTO tokens (name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, scopes = excluded.scopes,
           created_at = excluded.created_at`,
      )
      .run(token.name, token.tokenHash, JSON.stringify(token.scopes), token.createdAt);
  }

  delete(name: string): boolean {
    return this.#db.prepare('DELETE FROM tokens WHERE name = ?').run(name).changes > 0;
  }

  count(): number {
    return this.#db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM tokens').get()?.n ?? 0;
  }
}
