/** The session-storage key of the dashboard's token. */
export const TOKEN_KEY = 'prompt-canary.token';

/** The part of `Storage` the token store needs (a test hands in a Map-backed one). */
export type TokenStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * Keeps the API token in the browser's session storage: it lasts as long as the tab, is never written to a
 * cookie (so no request carries it implicitly) and never to a URL (so it stays out of history and logs).
 */
export class TokenStore {
  readonly #storage: TokenStorage;

  constructor(storage: TokenStorage) {
    this.#storage = storage;
  }

  /** The stored token, if any. */
  get(): string | null {
    return this.#storage.getItem(TOKEN_KEY);
  }

  /** Stores a token (trimmed); an empty one clears it. */
  set(token: string): void {
    const trimmed = token.trim();
    if (trimmed) this.#storage.setItem(TOKEN_KEY, trimmed);
    else this.clear();
  }

  /** Forgets the token (sign-out). */
  clear(): void {
    this.#storage.removeItem(TOKEN_KEY);
  }
}
