import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import {
  describePostgres,
  freshPostgresStore,
  freshSchemaName,
  postgresTestUrl,
} from '../store/testing/postgres-test-store.js';
import { LeadershipLostError } from './leadership.js';
import type { LeaseFence } from './lease-fence.js';
import { PgLeaseLeadership } from './pg-lease-leadership.js';
import { CONTROLLER_LEASE, PG_LEASE_ACQUIRE_SQL, PG_LEASE_FENCE_SQL } from './pg-lease-sql.js';
import { PostgresLeaseFence } from './postgres-lease-fence.js';

/** Polls `check` until it holds; a hang guard, not a timing assertion. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 25_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The fence answered as the store would; each test sets what the store's transaction found. */
class ScriptedFence implements LeaseFence {
  answer = true;
  holds(): boolean {
    return this.answer;
  }
}

describePostgres('PgLeaseLeadership (PostgreSQL)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  /** A migrated schema: its store, and SQL on a connection of the test's own in that schema. */
  async function schema() {
    const name = freshSchemaName();
    const store = freshPostgresStore({ schema: name });
    const admin = await client();
    await admin.query(`SET search_path TO ${name}`);
    const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await admin.query<R>(sql, params)).rows;
    return { name, store, query };
  }

  function replica(schemaName: string, holder: string, ttlMs = 600, fence: LeaseFence = new ScriptedFence()) {
    const transitions: boolean[] = [];
    const leadership = new PgLeaseLeadership({
      connectionString: postgresTestUrl,
      schema: schemaName,
      fence,
      ttlMs,
      holder,
    });
    leadership.subscribe((leader) => transitions.push(leader));
    cleanups.push(() => leadership.close());
    return { leadership, transitions };
  }

  async function client(search?: string): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: postgresTestUrl });
    await c.connect();
    if (search !== undefined) await c.query(`SET search_path TO ${search}`);
    cleanups.push(() => c.end());
    return c;
  }

  it('elects one replica; when it leaves, another takes over with a higher epoch', async () => {
    const s = await schema();
    // A lease long enough that a loaded machine never lets the first leader's lapse while the test looks.
    const a = replica(s.name, 'a', 3_000);
    const b = replica(s.name, 'b', 3_000);
    await a.leadership.start();
    await b.leadership.start();
    expect(a.leadership.isLeader()).toBe(true);
    expect(b.leadership.isLeader()).toBe(false);
    const first = a.leadership.epoch();
    expect(first).not.toBeNull();

    await a.leadership.close();
    await until(() => b.leadership.isLeader(), 'b to take over');
    expect(b.leadership.epoch()).toBe((first ?? 0) + 1);
    expect(a.transitions).toEqual([true, false]);
    expect(b.transitions).toEqual([true]);
  });

  it('waits out a dead leader’s lease, then takes over', async () => {
    const s = await schema();
    // A leader killed with -9 leaves its row behind, unexpired for its time to live.
    await s.query(PG_LEASE_ACQUIRE_SQL, [CONTROLLER_LEASE, 'dead', 3_000]);
    await s.query(PG_LEASE_ACQUIRE_SQL, [CONTROLLER_LEASE, 'dead', 3_000]);
    const b = replica(s.name, 'b', 600);
    await b.leadership.start();
    expect(b.leadership.isLeader()).toBe(false);
    await until(() => b.leadership.isLeader(), 'b to take over after the lease expires');
    expect(b.leadership.epoch()).toBe(2);
    const rows = await s.query<{ holder: string }>('SELECT holder FROM canaryd_leases');
    expect(rows).toEqual([{ holder: 'b' }]);
  });

  it('fences: a leader whose lease the store no longer finds cannot commit, and stops leading', async () => {
    const s = await schema();
    const fence = new ScriptedFence();
    const a = replica(s.name, 'a', 5000, fence);
    await a.leadership.start();
    expect(() => a.leadership.fence()).not.toThrow();
    fence.answer = false;
    expect(() => a.leadership.fence()).toThrow(LeadershipLostError);
    expect(a.leadership.isLeader()).toBe(false);
  });

  it('the fence statement holds the lease through the commit: a takeover waits, and a stale holder then finds nothing', async () => {
    const s = await schema();
    // Long enough that a loaded machine cannot let it lapse before the fence; the test waits for it to lapse after.
    const [row] = await s.query<{ epoch: string }>(PG_LEASE_ACQUIRE_SQL, [CONTROLLER_LEASE, 'a', 2_000]);
    const epoch = Number(row?.epoch);
    const store = await client(s.name);
    const rival = await client(s.name);

    // a's commit checks the fence while its lease is good, then is slow to commit: past its lease.
    await store.query('BEGIN');
    expect((await store.query(PG_LEASE_FENCE_SQL, [CONTROLLER_LEASE, 'a', epoch])).rows).toHaveLength(1);
    await until(
      async () =>
        (await s.query('SELECT 1 FROM canaryd_leases WHERE expires_at < clock_timestamp()')).length === 1,
      'the lease to lapse',
    );
    let took = false;
    const takeover = rival.query(PG_LEASE_ACQUIRE_SQL, [CONTROLLER_LEASE, 'b', 5000]).then((r) => {
      took = true;
      return r;
    });
    await until(
      async () =>
        (
          await s.query('SELECT 1 FROM pg_locks WHERE NOT granted AND pid = $1', [
            (rival as unknown as { processID: number }).processID,
          ])
        ).length > 0,
      'the takeover to wait on the fenced commit',
    );
    expect(took).toBe(false);
    await store.query('COMMIT');
    expect((await takeover).rows).toEqual([{ epoch: String(epoch + 1) }]);

    // After the takeover, a's next commit finds no lease of its own and rolls back.
    await store.query('BEGIN');
    expect((await store.query(PG_LEASE_FENCE_SQL, [CONTROLLER_LEASE, 'a', epoch])).rows).toHaveLength(0);
    await store.query('ROLLBACK');
  });
});

describePostgres('PostgresLeaseFence: the fence inside the store transaction (PostgreSQL)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('a leader whose lease was taken over while it still believed in it cannot commit', async () => {
    const name = freshSchemaName();
    const store = freshPostgresStore({ schema: name });
    const fence = new PostgresLeaseFence(store.connection);
    const a = new PgLeaseLeadership({
      connectionString: postgresTestUrl,
      schema: name,
      fence,
      ttlMs: 10_000,
      holder: 'a',
    });
    const b = new PgLeaseLeadership({
      connectionString: postgresTestUrl,
      schema: name,
      fence,
      ttlMs: 10_000,
      holder: 'b',
    });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    await a.start();
    expect(a.isLeader()).toBe(true);
    // Inside a store transaction the fence passes, and the transaction's writes commit.
    store.transaction(() => {
      a.fence();
      store.audit.append({
        at: 'x',
        actor: 'controller',
        action: 'rollout.step',
        target: 'rollout:r',
        pack: null,
        reason: null,
        before: null,
        after: null,
        revision: null,
      });
    });
    expect(store.audit.since(0, 10)).toHaveLength(1);

    // a stalls past its lease (a long pause, a partition): the database hands the lease to b…
    store.connection.query("UPDATE canaryd_leases SET expires_at = clock_timestamp() - interval '1 second'");
    await b.start();
    expect(b.isLeader()).toBe(true);
    // …while a, by its own clock, still thinks it leads. Its next commit is fenced and writes nothing.
    expect(a.isLeader()).toBe(true);
    expect(() =>
      store.transaction(() => {
        a.fence();
        store.audit.append({
          at: 'y',
          actor: 'controller',
          action: 'rollout.step',
          target: 'rollout:r',
          pack: null,
          reason: null,
          before: null,
          after: null,
          revision: null,
        });
      }),
    ).toThrow(LeadershipLostError);
    expect(store.audit.since(0, 10)).toHaveLength(1);
    expect(a.isLeader()).toBe(false);
    expect(() => store.transaction(() => b.fence())).not.toThrow();
  });
});
