import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server: `CANARYD_TEST_POSTGRES`, or the local one CI starts (trust auth, database `test`). */
export const TEST_POSTGRES_URL =
  process.env.CANARYD_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether the test PostgreSQL server answers. Without one the PostgreSQL suites skip, saying so; under `CI=true`
 * a missing server fails them instead, since CI starts one.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(`CI=true requires PostgreSQL at ${TEST_POSTGRES_URL}: ${(error as Error).message}`);
    }
    process.stderr.write(
      `skipping the PostgreSQL suites: no server at ${TEST_POSTGRES_URL} (${(error as Error).message})\n`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema of its own for one test, so suites running at once never see each other's rows. */
export interface PgTestSchema {
  readonly name: string;
  /** A connection string whose `search_path` is this schema. */
  readonly url: string;
  /** Runs SQL on a connection of its own, in this schema. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Drops the schema and closes the connection. */
  drop(): Promise<void>;
}

/** Creates a fresh schema on the test server. */
export async function createPgTestSchema(): Promise<PgTestSchema> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const url = withSearchPath(TEST_POSTGRES_URL, name);
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.query(`SET search_path TO ${name}`);
  return {
    name,
    url,
    async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await admin.query<R>(sql, params)).rows;
    },
    async drop() {
      await admin.query(`DROP SCHEMA ${name} CASCADE`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}

/** `url` with `search_path` set to `schema` for every connection made from it. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}
