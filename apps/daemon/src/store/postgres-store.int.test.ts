import { ArmAggregate } from '@prompt-canary/analysis';
import { describe, expect, it } from 'vitest';
import { PgConnection } from '../db/pg-connection.js';
import { appliedPgMigrations, applyPgMigrations } from '../db/pg-migration.js';
import { postgresMigrations } from './postgres-migrations.js';
import { storeContract } from './store-contract.js';
import {
  describePostgres,
  freshPgConnection,
  freshPostgresStore,
  freshSchemaName,
  postgresTestUrl,
} from './testing/postgres-test-store.js';

describePostgres('PostgresStore', () => {
  storeContract('PostgresStore', () => freshPostgresStore());

  describe('migrations', () => {
    it('applies each migration once, in order, and rolls a failing one back whole', () => {
      const conn = freshPgConnection();
      expect(appliedPgMigrations(conn).map((m) => m.version)).toEqual(
        postgresMigrations().map((m) => m.version),
      );
      expect(applyPgMigrations(conn, postgresMigrations())).toEqual([]);
      const broken = [
        { version: 100, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' },
        { version: 101, name: 'two', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE broken (;' },
      ];
      expect(() => applyPgMigrations(conn, broken)).toThrow();
      expect(appliedPgMigrations(conn).map((m) => m.version)).toContain(100);
      expect(appliedPgMigrations(conn).map((m) => m.version)).not.toContain(101);
      expect(
        conn.query("SELECT 1 FROM pg_tables WHERE tablename = 'b' AND schemaname = current_schema()").rows,
      ).toEqual([]);
      expect(() => applyPgMigrations(conn, [...broken, { version: 100, name: 'dup', sql: '' }])).toThrow(
        'share version 100',
      );
    });

    it('two processes opening one schema together apply each migration exactly once', () => {
      const schema = freshSchemaName();
      const a = freshPostgresStore({ schema });
      const b = freshPostgresStore({ schema });
      a.flags.put({ key: 'k', state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' }, null, 'x');
      expect(b.flags.get('k')?.flag.key).toBe('k');
      const versions = a.connection.query<{ version: number }>('SELECT version FROM schema_migrations').rows;
      expect(versions.map((v) => v.version).sort((x, y) => x - y)).toEqual(
        postgresMigrations().map((m) => m.version),
      );
    });
  });

  /** An aggregate of `n` healthy requests, added one by one. */
  const spans = (n: number) => {
    const agg = new ArmAggregate();
    for (let i = 0; i < n; i++)
      agg.addSpan({
        flagKey: 'p',
        variant: 'v',
        splitAssigned: true,
        endTimeMs: 1,
        durationMs: 10,
        error: false,
        attributes: {},
      });
    return agg;
  };

  describe('several writers on one database', () => {
    it("merges every writer's slice rows and exposures on read; a writer's cache never overwrites another's", () => {
      const schema = freshSchemaName();
      const a = freshPostgresStore({ schema, writer: 'a' });
      const b = freshPostgresStore({ schema, writer: 'b' });
      const key = { rolloutId: 'r1', arm: 'canary', scope: 'split', sliceStart: 0 } as const;
      a.slices.commit([{ key, partial: spans(3) }]);
      b.slices.commit([{ key, partial: spans(4) }]);
      a.slices.commit([{ key, partial: spans(1) }]);
      for (const store of [a, b]) {
        const [slice] = store.slices.read({ rolloutId: 'r1', fromMs: 0, toMs: 1_000 });
        expect(slice?.aggregate.spans).toBe(8);
      }
      // A writer that restarts with its id (or lost its cache) reads its own row back before merging into it.
      const again = freshPostgresStore({ schema, writer: 'a', maxCachedSlices: 1 });
      again.slices.commit([{ key, partial: spans(2) }]);
      expect(b.slices.read({ rolloutId: 'r1', fromMs: 0, toMs: 1_000 })[0]?.aggregate.spans).toBe(10);
    });

    it("a baseline's new version starts from nothing in every writer, whichever saw it first", () => {
      const schema = freshSchemaName();
      const a = freshPostgresStore({ schema, writer: 'a' });
      const b = freshPostgresStore({ schema, writer: 'b' });
      const key = { rolloutId: 'baseline:p', arm: 'stable', scope: 'split', sliceStart: 0 } as const;
      a.slices.holdBaseline('p', '1.0');
      b.slices.holdBaseline('p', '1.0');
      a.slices.commit([{ key, partial: spans(3) }]);
      b.slices.commit([{ key, partial: spans(4) }]);
      // A sees 2.0 first and deletes every writer's rows; B, told later, finds 2.0 recorded and deletes nothing,
      // but must not write its cached 1.0 figures back.
      expect(a.slices.holdBaseline('p', '2.0')).toBe(2);
      expect(b.slices.holdBaseline('p', '2.0')).toBe(0);
      b.slices.commit([{ key, partial: spans(1) }]);
      a.slices.commit([{ key, partial: spans(2) }]);
      expect(a.slices.read({ rolloutId: 'baseline:p', fromMs: 0, toMs: 1_000 })[0]?.aggregate.spans).toBe(3);
    });

    it("changes of two processes never interleave: one waits for the other's change lock", () => {
      const schema = freshSchemaName();
      const a = freshPostgresStore({ schema });
      const b = freshPostgresStore({ schema });
      a.transaction(() => {
        a.segments.put('from-a', { a: 1 }, 'x');
        // B waits at most 1.5 s for the lock, so that waiting inside A's change (which cannot end while this thread
        // waits) shows as B's statement cancelled, where a missing lock would let B commit in the middle of A.
        b.connection.exec('SET statement_timeout = 1500');
        expect(() => b.transaction(() => b.segments.put('from-b', { b: 1 }, 'x'))).toThrow(
          expect.objectContaining({ code: '57014' }),
        );
        b.connection.exec('RESET statement_timeout');
      });
      // Ingest's own rows take no change lock: B writes them while A holds it.
      a.transaction(() => {
        b.slices.commit([], new Map([['r1', 'spans']]));
      });
      expect(b.transaction(() => b.segments.put('from-b', { b: 1 }, 'x')).name).toBe('from-b');
      expect(a.segments.list().map((s) => s.name)).toEqual(['from-a', 'from-b']);
      expect(a.slices.source('r1')).toBe('spans');
    });

    it('a trace recorded by one writer joins a score read by another', () => {
      const schema = freshSchemaName();
      const a = freshPostgresStore({ schema });
      const b = freshPostgresStore({ schema });
      const id = '0af7651916cd43dd8448eb211c80319c';
      a.traces.set(id, {
        rolloutId: 'r',
        flagKey: 'p',
        arm: 'canary',
        variant: '2',
        scope: 'split',
        unit: 'u1',
      });
      a.traces.flush();
      expect(b.traces.get(id)).toEqual({
        rolloutId: 'r',
        flagKey: 'p',
        arm: 'canary',
        variant: '2',
        scope: 'split',
        unit: 'u1',
      });
      expect(b.traces.size).toBe(1);
    });
  });

  describe('the connection', () => {
    it('a savepoint undoes only the inner writes when the inner failure is caught', () => {
      const store = freshPostgresStore();
      store.transaction(() => {
        store.segments.put('outer', { a: 1 }, 'x');
        expect(() =>
          store.transaction(() => {
            store.segments.put('inner', { a: 2 }, 'x');
            throw new Error('inner');
          }),
        ).toThrow('inner');
      });
      expect(store.segments.list().map((s) => s.name)).toEqual(['outer']);
    });

    it('a statement error inside a transaction rolls the whole transaction back', () => {
      const store = freshPostgresStore();
      expect(() =>
        store.transaction(() => {
          store.segments.put('s', { a: 1 }, 'x');
          store.connection.query('SELECT * FROM no_such_table');
        }),
      ).toThrow(/no_such_table/);
      expect(store.segments.get('s')).toBeUndefined();
      expect(() => store.ping()).not.toThrow();
    });

    it('a NUL in a string finds nothing on lookup and is kept as U+FFFD in free text (PostgreSQL text refuses NUL)', () => {
      const store = freshPostgresStore();
      expect(store.packs.get('\u0000')).toBeUndefined();
      expect(store.flags.get('a\u0000b')).toBeUndefined();
      const id = store.audit.append({
        at: 'x',
        actor: 'a',
        action: 'x',
        target: 't',
        pack: null,
        reason: 'why\u0000not',
        before: { s: 'in\u0000json' },
        after: null,
        revision: null,
      });
      expect(store.audit.since(id - 1, 1)[0]).toMatchObject({
        reason: 'why\uFFFDnot',
        before: { s: 'in\u0000json' },
      });
    });

    it('a statement past the statement timeout is cancelled (a storage_busy 503), and the connection goes on', () => {
      const store = freshPostgresStore();
      // The timeout of this one transaction only, so that nothing else in the test runs against a short one.
      expect(() =>
        store.transaction(() => {
          store.connection.exec('SET LOCAL statement_timeout = 300');
          store.connection.query('SELECT pg_sleep(5)');
        }),
      ).toThrow(expect.objectContaining({ code: '57014' }));
      expect(() => store.ping()).not.toThrow();
      expect(store.transaction(() => store.segments.put('after', { a: 1 }, 'x').name)).toBe('after');
    });

    it('an unreachable server is a clear error with the storage_unavailable code, not a hang', () => {
      const started = Date.now();
      expect(() =>
        PgConnection.open('postgres://postgres@127.0.0.1:1/test', { connectTimeoutMs: 2_000 }),
      ).toThrow(expect.objectContaining({ code: 'CANARY_STORAGE_UNAVAILABLE' }));
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it('a connection killed by the server is opened again on a later call outside a transaction', async () => {
      const store = freshPostgresStore();
      const pid = store.connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').rows[0]?.pid;
      const admin = PgConnection.open(postgresTestUrl);
      admin.query('SELECT pg_terminate_backend($1)', [pid]);
      admin.close();
      // Calls fail with the unavailable code (never another error) until the new connection is open.
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          store.ping();
          break;
        } catch (error) {
          expect(error).toMatchObject({ code: 'CANARY_STORAGE_UNAVAILABLE' });
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const newPid = store.connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').rows[0]?.pid;
      expect(newPid).not.toBe(pid);
    });
  });
});
