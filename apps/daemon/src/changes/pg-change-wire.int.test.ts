import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import type { AuditDraft } from '../audit/audit-store.js';
import type { PostgresStore } from '../store/postgres-store.js';
import {
  describePostgres,
  freshPostgresStore,
  postgresTestUrl,
} from '../store/testing/postgres-test-store.js';
import { PgChangeWire } from './pg-change-wire.js';

/** Polls `check` until it holds; a hang guard, not a timing assertion. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const entry: AuditDraft = {
  at: '2026-01-01T00:00:00.000Z',
  actor: 'alice',
  action: 'flag.put',
  target: 'flag:a',
  pack: null,
  reason: null,
  before: null,
  after: null,
  revision: null,
};

describePostgres('PgChangeWire and the audit log’s notification (PostgreSQL)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function setup(): Promise<{
    store: PostgresStore;
    wire: PgChangeWire;
    ids: string[];
    name: string;
  }> {
    const store = freshPostgresStore();
    const name = `wire-${Math.random().toString(16).slice(2)}`;
    const wire = new PgChangeWire({
      connectionString: postgresTestUrl,
      reconnectMs: 20,
      applicationName: name,
    });
    cleanups.push(() => wire.close());
    const ids: string[] = [];
    // The payload is the audit id; the wire itself only signals, so the test listens beside it for the ids.
    const listener = new pg.Client({ connectionString: postgresTestUrl });
    await listener.connect();
    listener.on('notification', (n) => ids.push(n.payload ?? ''));
    await listener.query('LISTEN canaryd_changes');
    cleanups.push(() => listener.end());
    let count = 0;
    wire.start(() => count++);
    await until(() => wire.connected() && count === 1, 'the wire to listen and signal once');
    return { store, wire, ids, name };
  }

  it('notifies each committed audit entry at commit, never a rolled-back one', async () => {
    const { store, ids } = await setup();
    let rolledBack = 0;
    expect(() =>
      store.transaction(() => {
        rolledBack = store.audit.append(entry);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    const id = store.transaction(() => store.audit.append(entry));
    await until(() => ids.includes(String(id)), 'the committed entry’s notification');
    const committed = store.transaction(() => store.audit.append({ ...entry, action: 'flag.delete' }));
    await until(() => ids.includes(String(committed)), 'the second commit’s notification');
    // Other suites on this database notify too; of this store's ids, only the committed ones were announced.
    const mine = store.audit.since(0, 100).map((e) => String(e.id));
    expect(mine).toEqual([String(id), String(committed)]);
    // Notifications arrive in commit order: had the rolled-back entry been announced, it would be here by now.
    expect(rolledBack).toBeGreaterThan(0);
    expect(ids).not.toContain(String(rolledBack));
  });

  it('reconnects after its connection is killed and signals again, so the feed catches up', async () => {
    const { wire, name } = await setup();
    let signals = 0;
    await wire.close();
    const again = new PgChangeWire({
      connectionString: postgresTestUrl,
      reconnectMs: 20,
      applicationName: name,
    });
    cleanups.push(() => again.close());
    again.start(() => signals++);
    await until(() => again.connected() && signals === 1, 'the wire to listen');
    const admin = new pg.Client({ connectionString: postgresTestUrl });
    await admin.connect();
    cleanups.push(() => admin.end());
    const killed = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
    expect(killed.rows).toHaveLength(1);
    await until(() => signals >= 2 && again.connected(), 'the wire to reconnect and signal');
  });
});
