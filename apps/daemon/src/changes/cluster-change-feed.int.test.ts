import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type DaemonApp } from '../app.js';
import { ManualClock } from '../clock/clock.js';
import { openDatabase, type SqliteDatabase } from '../db/database.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { ensureAdminToken } from '../tokens/bootstrap-tokens.js';
import type { ChangeEvent } from './change-feed.js';
import type { ChangeWire } from './change-wire.js';
import { ClusterChangeFeed } from './cluster-change-feed.js';
import { commitChange } from './commit-change.js';

/** A wire the test signals by hand (PostgreSQL's is tested in `pg-change-wire.int.test.ts`). */
class HandWire implements ChangeWire {
  #onSignal: (() => void) | null = null;
  start(onSignal: () => void): void {
    this.#onSignal = onSignal;
  }
  connected(): boolean {
    return this.#onSignal !== null;
  }
  async close(): Promise<void> {
    this.#onSignal = null;
  }
  signal(): void {
    this.#onSignal?.();
  }
}

interface Replica {
  daemon: DaemonApp;
  feed: ClusterChangeFeed;
  wire: HandWire;
  events: ChangeEvent[];
  db: SqliteDatabase;
}

const ADMIN = 'admin-token-for-the-cluster-test';

const flag = (key: string, on: boolean) => ({
  key,
  state: 'ENABLED' as const,
  variants: { on, off: !on },
  defaultVariant: 'on',
});

describe('ClusterChangeFeed: two replicas on one database', () => {
  let dir = '';
  const replicas: Replica[] = [];
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

  function replica(): Replica {
    const db = openDatabase(join(dir, 'canary.db'));
    const store = new SqliteStore(db);
    const wire = new HandWire();
    const feed = new ClusterChangeFeed({
      source: store.audit,
      wire,
      now: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimer(ms, fn),
      pollMs: 5000,
    });
    const daemon = createApp({
      store,
      feed,
      clock,
      logger: pino({ level: 'silent' }),
      startController: false,
    });
    feed.start();
    const events: ChangeEvent[] = [];
    feed.subscribe((e) => events.push(e));
    const r = { daemon, feed, wire, events, db };
    replicas.push(r);
    return r;
  }

  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      await r.daemon.close();
      await r.feed.close();
      r.db.close();
    }
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  function setup() {
    dir = mkdtempSync(join(tmpdir(), 'cluster-feed-'));
    return { a: replica(), b: replica() };
  }

  const put = (r: Replica, key: string, on: boolean) =>
    commitChange(
      r.daemon.ctx,
      { actor: 'alice', action: 'flag.put', target: `flag:${key}`, configChanged: true },
      (store) => store.flags.put(flag(key, on), null, new Date(clock.now()).toISOString()),
    );

  it('delivers a change at once on the replica that committed it, and on the other after a signal', async () => {
    const { a, b } = setup();
    ensureAdminToken(a.daemon.ctx, ADMIN);
    b.feed.catchUp();
    a.events.length = 0;
    b.events.length = 0;
    const { audit } = put(a, 'checkout', true);
    expect(a.events.map((e) => [e.audit.id, e.remote])).toEqual([[audit?.id, undefined]]);
    expect(b.events).toEqual([]);
    expect(b.feed.lagMs()).toBe(0);
    clock.advance(250);
    expect(b.feed.lagMs()).toBe(250);

    b.wire.signal();
    await new Promise((resolve) => setImmediate(resolve));
    expect(b.events.map((e) => [e.audit.id, e.revision, e.remote])).toEqual([[audit?.id, 1, true]]);
    expect(b.feed.lagMs()).toBe(0);
    // The other replica's snapshot follows: OFREP and sync streams there serve the new revision.
    expect(b.daemon.ctx.config.current().revision).toBe(1);
    const res = await b.daemon.app.request('/ofrep/v1/evaluate/flags/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ context: { targetingKey: 'u1' } }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ key: 'checkout', value: true });
  });

  it('keeps commit order: changes another replica committed first are delivered before a local one', () => {
    const { a, b } = setup();
    const first = put(a, 'one', true).audit?.id;
    const second = put(a, 'two', true).audit?.id;
    const local = put(b, 'three', true).audit?.id;
    expect(b.events.map((e) => [e.audit.id, e.remote])).toEqual([
      [first, true],
      [second, true],
      [local, undefined],
    ]);
    // Each change is delivered once, whatever signals follow.
    b.feed.catchUp();
    expect(b.events).toHaveLength(3);
  });

  it('keeps order and delivers once when a listener commits a change of its own while being told of another', () => {
    const { a, b } = setup();
    const first = put(a, 'one', true).audit?.id;
    const second = put(a, 'two', true).audit?.id;
    let reacted = false;
    b.feed.subscribe((e) => {
      if (reacted || e.audit.id !== first) return;
      reacted = true;
      put(b, 'reaction', true);
    });
    b.feed.catchUp();
    const ids = b.events.map((e) => e.audit.id);
    expect(ids.slice(0, 2)).toEqual([first, second]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    b.feed.catchUp();
    expect(b.events).toHaveLength(3);
  });

  it('catches up on the periodic poll when a notification was lost', async () => {
    const { a, b } = setup();
    put(a, 'checkout', true);
    expect(b.events).toEqual([]);
    clock.advance(5000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(b.events).toHaveLength(1);
    expect(b.daemon.ctx.config.current().revision).toBe(1);
  });

  it('lets every replica see token changes (the token cache drops on a remote token.* change)', async () => {
    const { a, b } = setup();
    const events: string[] = [];
    b.feed.subscribe((e) => events.push(e.audit.action));
    commitChange(
      a.daemon.ctx,
      { actor: 'alice', action: 'token.delete', target: 'token:x', configChanged: false },
      () => undefined,
    );
    b.feed.catchUp();
    expect(events).toEqual(['token.delete']);
  });

  it('one broken listener does not stop the others', () => {
    const errors: unknown[] = [];
    dir = mkdtempSync(join(tmpdir(), 'cluster-feed-'));
    const a = replica();
    const db = openDatabase(join(dir, 'canary.db'));
    const store = new SqliteStore(db);
    const feed = new ClusterChangeFeed({
      source: store.audit,
      wire: new HandWire(),
      now: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimer(ms, fn),
      onListenerError: (e) => errors.push(e),
    });
    const seen: number[] = [];
    feed.subscribe(() => {
      throw new Error('broken');
    });
    feed.subscribe((e) => seen.push(e.audit.id));
    const id = put(a, 'x', true).audit?.id;
    feed.catchUp();
    expect(seen).toEqual([id]);
    expect(errors).toHaveLength(1);
    db.close();
  });
});
