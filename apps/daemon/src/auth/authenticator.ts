import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../app-env.js';
import type { TokenStore } from './token-store.js';

/** Hex SHA-256 of a token: what is stored in place of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token (256 bits), prefixed so that it is recognisable in a secret scanner. */
export function generateToken(): string {
  return `pc_${randomBytes(32).toString('base64url')}`;
}

/** How many authenticated tokens {@link Authenticator} remembers (the oldest is dropped beyond that). */
export const PRINCIPAL_CACHE_SIZE = 1024;

/**
 * Resolves a presented token to its {@link Principal}. Tokens are cached by hash and reloaded after any token
 * change ({@link Authenticator.invalidate}). The lookup is keyed by the token's hash, so its timing says nothing
 * about the secret; the final comparison is constant-time all the same.
 *
 * A token that authenticated is remembered (up to {@link PRINCIPAL_CACHE_SIZE}), so the next request presenting
 * it skips the SHA-256. Only tokens that matched a stored hash are remembered: unknown tokens are hashed every
 * time and cannot fill the cache. (The remembered tokens are looked up by string: a presented string is only
 * compared with a remembered token whose V8 string hash it shares, which says nothing useful about a secret of 256
 * random bits.) Any token change (create, revoke: {@link Authenticator.invalidate}, called from
 * the token routes and from the change feed) empties it, so a revoked token is refused from the next request.
 */
export class Authenticator {
  readonly #tokens: TokenStore;
  #byHash: Map<string, Principal & { hash: Buffer }> | undefined;
  /** Presented token → its principal, for tokens that authenticated since the last token change. */
  readonly #principals = new Map<string, Principal>();

  constructor(tokens: TokenStore) {
    this.#tokens = tokens;
  }

  /** The principal holding `token`, or `undefined` for an unknown token. */
  authenticate(token: string): Principal | undefined {
    if (token.length === 0 || token.length > 512) return undefined;
    const known = this.#principals.get(token);
    if (known !== undefined) return known;
    const hex = hashToken(token);
    const entry = this.#load().get(hex);
    if (!entry) return undefined;
    if (!timingSafeEqual(entry.hash, Buffer.from(hex, 'hex'))) return undefined;
    // Shared by every request presenting this token: frozen, so no request can change what another sees.
    const principal: Principal = Object.freeze({
      name: entry.name,
      scopes: Object.freeze([...entry.scopes]),
    });
    if (this.#principals.size >= PRINCIPAL_CACHE_SIZE) {
      const oldest = this.#principals.keys().next();
      if (!oldest.done) this.#principals.delete(oldest.value);
    }
    this.#principals.set(token, principal);
    return principal;
  }

  /** Drops the caches; the next request reloads tokens from the store and hashes every presented token again. */
  invalidate(): void {
    this.#byHash = undefined;
    this.#principals.clear();
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
