import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../app-env.js';
import type { TokenStore } from '../tokens/token-store.js';

/** Hex SHA-256 of a token: what is stored in place of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token (256 bits), prefixed so that it is recognisable in a secret scanner. */
export function generateToken(): string {
  return `pc_${randomBytes(32).toString('base64url')}`;
}

/**
 * Resolves a presented token to its {@link Principal}. Tokens are cached by hash and reloaded after any token
 * change ({@link Authenticator.invalidate}). The lookup is keyed by the token's hash, so its timing says nothing
 * about the secret; the final comparison is constant-time all the same.
 */
export class Authenticator {
  readonly #tokens: TokenStore;
  #byHash: Map<string, Principal & { hash: Buffer }> | undefined;

  constructor(tokens: TokenStore) {
    this.#tokens = tokens;
  }

  /** The principal holding `token`, or `undefined` for an unknown token. */
  authenticate(token: string): Principal | undefined {
    if (token.length === 0 || token.length > 512) return undefined;
    const hex = hashToken(token);
    const entry = this.#load().get(hex);
    if (!entry) return undefined;
    if (!timingSafeEqual(entry.hash, Buffer.from(hex, 'hex'))) return undefined;
    return { name: entry.name, scopes: entry.scopes };
  }

  /** Drops the cache; the next request reloads tokens from the store. */
  invalidate(): void {
    this.#byHash = undefined;
  }

  #load(): Map<string, Principal & { hash: Buffer }> {
    if (!this.#byHash) {
      this.#byHash = new Map(
        this.#tokens
          .list()
          .map((t) => [
            t.tokenHash,
            { name: t.name, scopes: t.scopes, hash: Buffer.from(t.tokenHash, 'hex') },
          ]),
      );
    }
    return this.#byHash;
  }
}
