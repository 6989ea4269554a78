import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server: `CANARY_TEST_POSTGRES_URL`, else the local one with database `test`. */
export const POSTGRES_SERVER =
  process.env.CANARY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A logger for providers in these tests: their reconnect warnings during a kill are expected. */
export const quietLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/**
 * A fresh schema of its own on the test server for one e2e file, so that files running together never share tables.
 * `unavailable` says why the server cannot be used (null when the schema was created), asked before the suite is
 * declared; `url` is the `--db` that puts every connection of a daemon in it; `drop` removes it.
 */
export async function testSchema(label: string): Promise<{
  name: string;
  unavailable: string | null;
  url: () => URL;
  drop: () => Promise<void>;
}> {
  const name = `canary_${label}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_SERVER, connectionTimeoutMillis: 10_000 });
  let unavailable: string | null = null;
  try {
    await client.connect();
    await client.query(`CREATE SCHEMA ${name}`);
  } catch (error) {
    unavailable = `no PostgreSQL server answers at ${POSTGRES_SERVER} (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    name,
    unavailable,
    url: () => {
      const url = new URL(POSTGRES_SERVER);
      url.searchParams.set('options', `-c search_path=${name}`);
      return url;
    },
    drop: async () => {
      if (unavailable !== null) return;
      const admin = new pg.Client({ connectionString: POSTGRES_SERVER });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await admin.end();
    },
  };
}
