import type { PgConnection } from '../db/pg-connection.js';
import type { Scope } from './scopes.js';
import type { StoredToken, TokenStore } from './token-store.js';

/**
 * The columns read, named rather than `*`: a statement is prepared once per connection, and a column added by a
 * later migration (another replica upgrading first) must not change what it returns.
 */
const TOKEN_COLUMNS = 'name, token_hash, scopes, created_at';

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

/** {@link TokenStore} on PostgreSQL's `tokens` table (hashes only). */
export class PostgresTokenStore implements TokenStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  get(name: string): StoredToken | undefined {
    const row = this.#db.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE name = $1`, [name])
      .rows[0];
    return row && fromRow(row);
  }

  list(): StoredToken[] {
    return this.#db.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY name`).rows.map(fromRow);
  }

  put(token: StoredToken): void {
    this.#db.run(
      `INSERT INTO tokens (name, token_hash, scopes, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, scopes = excluded.scopes,
         created_at = excluded.created_at`,
      [token.name, token.tokenHash, JSON.stringify(token.scopes), token.createdAt],
    );
  }

  delete(name: string): boolean {
    return this.#db.run('DELETE FROM tokens WHERE name = $1', [name]) > 0;
  }

  count(): number {
    return this.#db.query<{ n: number }>('SELECT count(*)::int AS n FROM tokens').rows[0]?.n ?? 0;
  }
}
