import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPgTestSchema,
  type PgTestSchema,
  postgresAvailable,
  TEST_POSTGRES_URL,
} from '../testing/pg-test-schema.js';
import { pgChangeAnnounceSql } from './pg-change-announce.js';
import { PgChangeWire } from './pg-change-wire.js';

const available = await postgresAvailable();

/** Polls `check` until it holds; a hang guard, not a timing assertion. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!available)('PgChangeWire and the audit trigger (PostgreSQL)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function setup(): Promise<{ schema: PgTestSchema; wire: PgChangeWire; signals: () => number }> {
    const schema = await createPgTestSchema();
    cleanups.push(() => schema.drop());
    await schema.query('CREATE TABLE audit (id bigserial PRIMARY KEY, action text NOT NULL)');
    await schema.query(pgChangeAnnounceSql('audit'));
    const wire = new PgChangeWire({
      connectionString: schema.url,
      reconnectMs: 20,
      applicationName: `wire-${schema.name}`,
    });
    cleanups.push(() => wire.close());
    let count = 0;
    wire.start(() => count++);
    await until(() => wire.connected(), 'the wire to listen');
    return { schema, wire, signals: () => count };
  }

  async function client(url: string): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    cleanups.push(() => c.end());
    return c;
  }

  it('signals once on connecting, then on each committed audit entry, never on a rolled-back one', async () => {
    const { schema, signals } = await setup();
    expect(signals()).toBe(1);
    const writer = await client(schema.url);
    await writer.query('BEGIN');
    await writer.query("INSERT INTO audit (action) VALUES ('flag.put')");
    await writer.query('ROLLBACK');
    await writer.query("INSERT INTO audit (action) VALUES ('flag.put')");
    await until(() => signals() === 2, 'the committed insert to signal');
    // The rolled-back insert never signals: a later commit's signal is the only other one.
    await writer.query("INSERT INTO audit (action) VALUES ('flag.delete')");
    await until(() => signals() === 3, 'the second commit to signal');
  });

  it('reconnects after the connection is killed and signals again, so the feed catches up', async () => {
    const { schema, wire, signals } = await setup();
    const admin = await client(TEST_POSTGRES_URL);
    const killed = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [`wire-${schema.name}`],
    );
    expect(killed.rows).toHaveLength(1);
    await until(() => signals() >= 2 && wire.connected(), 'the wire to reconnect and signal');
    const writer = await client(schema.url);
    const before = signals();
    await writer.query("INSERT INTO audit (action) VALUES ('flag.put')");
    await until(() => signals() > before, 'a commit after the reconnection to signal');
  });
});
