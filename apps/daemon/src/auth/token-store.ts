import type { Scope } from './scopes.js';

/** A token as stored: its name, scopes and the hash of its secret (never the secret). */
export interface StoredToken {
  name: string;
  /** Hex SHA-256 of the token string. */
  tokenHash: string;
  scopes: Scope[];
  createdAt: string;
}

/** API tokens. */
export interface TokenStore {
  get(name: string): StoredToken | undefined;
  /** Every token, ordered by name. */
  list(): StoredToken[];
  /** Creates or replaces the token called `token.name`. */
  put(token: StoredToken): void;
  delete(name: string): boolean;
  count(): number;
}
