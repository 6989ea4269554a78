import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { type ChangeEvent, type ChangeFeed, InProcessChangeFeed } from '../changes/change-feed.js';
import { ManualClock } from '../clock/clock.js';
import { openDatabase } from '../db/database.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { createTestDaemon } from '../testing/test-daemon.js';
import { Authenticator, hashToken, PRINCIPAL_CACHE_SIZE } from './authenticator.js';
import type { StoredToken, TokenStore } from './token-store.js';

/** A token store over an array, counting how often the authenticator loads it. */
function arrayStore(tokens: StoredToken[]): TokenStore & { loads: number } {
  return {
    loads: 0,
    get: (name) => tokens.find((t) => t.name === name),
    list() {
      this.loads++;
      return [...tokens];
    },
    put: (token) => {
      tokens.push(token);
    },
    delete: (name) => {
      const at = tokens.findIndex((t) => t.name === name);
      if (at >= 0) tokens.splice(at, 1);
      return at >= 0;
    },
    count: () => tokens.length,
  };
}

const stored = (name: string, token: string): StoredToken => ({
  name,
  tokenHash: hashToken(token),
  scopes: ['evaluate'],
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** A feed that keeps what is published until `deliver()`: another replica's channel, say. */
class LateFeed implements ChangeFeed {
  readonly #inner = new InProcessChangeFeed();
  readonly #pending: ChangeEvent[] = [];
  publish(event: ChangeEvent): void {
    this.#pending.push(event);
  }
  subscribe(listener: (event: ChangeEvent) => void): () => void {
    return this.#inner.subscribe(listener);
  }
  deliver(): void {
    for (const event of this.#pending.splice(0)) this.#inner.publish(event);
  }
}

describe('Authenticator: remembered principals', () => {
  it('answers the same frozen principal for a known token, and nothing for an unknown one', () => {
    const auth = new Authenticator(arrayStore([stored('app', 'secret-token-0123456789')]));
    const first = auth.authenticate('secret-token-0123456789');
    expect(first).toEqual({ name: 'app', scopes: ['evaluate'] });
    expect(auth.authenticate('secret-token-0123456789')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.scopes)).toBe(true);
    expect(auth.authenticate('secret-token-012345678')).toBeUndefined();
    expect(auth.authenticate('')).toBeUndefined();
    expect(auth.authenticate('x'.repeat(513))).toBeUndefined();
  });

  it('forgets every remembered token on invalidate: a deleted token is refused at once', () => {
    const store = arrayStore([stored('app', 'secret-token-0123456789')]);
    const auth = new Authenticator(store);
    expect(auth.authenticate('secret-token-0123456789')?.name).toBe('app');
    store.delete('app');
    auth.invalidate();
    expect(auth.authenticate('secret-token-0123456789')).toBeUndefined();
  });

  it('stays bounded: past the cache size, the oldest remembered token is hashed again, still correctly', () => {
    const tokens = Array.from({ length: PRINCIPAL_CACHE_SIZE + 5 }, (_, i) => `token-${i}-0123456789abcdef`);
    const store = arrayStore(tokens.map((t, i) => stored(`t${i}`, t)));
    const auth = new Authenticator(store);
    for (const [i, t] of tokens.entries()) expect(auth.authenticate(t)?.name).toBe(`t${i}`);
    for (const [i, t] of tokens.entries()) expect(auth.authenticate(t)?.name).toBe(`t${i}`);
    // Unknown tokens are never remembered, however many are presented.
    for (let i = 0; i < 2 * PRINCIPAL_CACHE_SIZE; i++) expect(auth.authenticate(`nope-${i}`)).toBeUndefined();
    expect(auth.authenticate(tokens[0] as string)?.name).toBe('t0');
    expect(store.loads).toBe(1);
  });
});

describe('token revocation with remembered principals', () => {
  it('refuses a revoked token on the very next request, after it was used (and remembered)', async () => {
    const d = createTestDaemon();
    const created = await d.request('/api/v1/tokens', {
      method: 'POST',
      json: { name: 'app', scopes: ['evaluate', 'read'] },
    });
    const { token } = (await created.json()) as { token: string };
    const evaluate = () =>
      d.request('/ofrep/v1/evaluate/flags', { method: 'POST', as: token, json: { context: {} } });
    for (let i = 0; i < 3; i++) {
      expect((await evaluate()).status).toBe(200);
      expect((await d.request('/api/v1/config', { as: token })).status).toBe(200);
    }
    expect((await d.request('/api/v1/tokens/app', { method: 'DELETE' })).status).toBe(204);
    expect((await evaluate()).status).toBe(401);
    expect((await d.request('/api/v1/config', { as: token })).status).toBe(401);
    expect((await d.request('/api/v1/whoami', { as: token })).status).toBe(401);
  });

  it('refuses it at once even when the change feed delivers later', async () => {
    const feed = new LateFeed();
    const daemon = createApp({
      store: new SqliteStore(openDatabase(':memory:')),
      clock: new ManualClock(),
      logger: pino({ level: 'silent' }),
      feed,
      startController: false,
    });
    const admin = 'admin-token-0123456789abcdef';
    daemon.ctx.store.tokens.put({ ...stored('admin', admin), scopes: ['admin'] });
    daemon.ctx.store.tokens.put(stored('app', 'app-token-0123456789abcdef'));
    daemon.ctx.auth.invalidate();
    const get = (token: string) =>
      daemon.app.request('/api/v1/config', { headers: { authorization: `Bearer ${token}` } });
    expect((await get('app-token-0123456789abcdef')).status).toBe(200);
    const revoked = await daemon.app.request('/api/v1/tokens/app', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(revoked.status).toBe(204);
    expect((await get('app-token-0123456789abcdef')).status).toBe(401);
    feed.deliver();
    expect((await get('app-token-0123456789abcdef')).status).toBe(401);
    expect((await get(admin)).status).toBe(200);
    await daemon.close();
  });
});
