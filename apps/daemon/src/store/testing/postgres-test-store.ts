import { randomBytes } from 'node:crypto';
import { afterAll, describe, it } from 'vitest';
import { PgConnection } from '../../db/pg-connection.js';
import { applyPgMigrations } from '../../db/pg-migration.js';
import { postgresMigrations } from '../postgres-migrations.js';
import { PostgresStore, type PostgresStoreOptions } from '../postgres-store.js';

/** The server the PostgreSQL suites use: `CANARY_TEST_POSTGRES_URL`, else the local one with database `test`. */
export const postgresTestUrl =
  process.env.CANARY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let unavailable: string | null | undefined;

/** Why the test server cannot be used, or `null` when it answers (asked once per test file). */
export function postgresUnavailable(): string | null {
  if (unavailable !== undefined) return unavailable;
  try {
    const conn = PgConnection.open(postgresTestUrl, { connectTimeoutMs: 10_000 });
    conn.query('SELECT 1');
    conn.close();
    unavailable = null;
  } catch (error) {
    unavailable = `no PostgreSQL server answers at ${redact(postgresTestUrl)} (${(error as Error).message})`;
  }
  return unavailable;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

const schemas: Array<{ schema: string; close: () => void }> = [];

/** A fresh schema name, unique to this run, so that suites running in parallel never share tables. */
export function freshSchemaName(): string {
  return `canary_test_${randomBytes(6).toString('hex')}`;
}

/**
 * A {@link PostgresStore} on a fresh schema of the test database (or on `options.schema`), dropped when the file's
 * tests end; `url` reaches the server another way (a relay).
 */
export function freshPostgresStore(options: PostgresStoreOptions & { url?: string } = {}): PostgresStore {
  const { url = postgresTestUrl, ...rest } = options;
  const schema = rest.schema ?? freshSchemaName();
  // Recorded before opening: a store that fails to open (a migration past its timeout) may have made the schema.
  const entry = { schema, close: () => {} };
  schemas.push(entry);
  const store = PostgresStore.open(url, { ...rest, schema });
  entry.close = () => store.close();
  return store;
}

/** A migrated connection on a fresh schema (for a single port's contract), dropped when the file's tests end. */
export function freshPgConnection(): PgConnection {
  const schema = freshSchemaName();
  const entry = { schema, close: () => {} };
  schemas.push(entry);
  const conn = PgConnection.open(postgresTestUrl, { schema });
  entry.close = () => conn.close();
  applyPgMigrations(conn, postgresMigrations());
  return conn;
}

function dropSchemas(): void {
  if (schemas.length === 0) return;
  for (const { close } of schemas) close();
  const admin = PgConnection.open(postgresTestUrl);
  try {
    for (const { schema } of schemas.splice(0)) admin.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    admin.close();
  }
}

/**
 * A suite that needs the PostgreSQL test server. Without one it is skipped, saying why in its name; under
 * `CI=true` the server is required, so its absence fails the suite instead. Schemas made by the suite's tests
 * are dropped after them.
 */
export function describePostgres(name: string, body: () => void): void {
  const reason = postgresUnavailable();
  if (reason === null) {
    describe(name, () => {
      afterAll(dropSchemas);
      body();
    });
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs the PostgreSQL test server (required under CI=true)', () => {
        throw new Error(`${reason}; CI must start PostgreSQL (.ci/run does)`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${reason}; CI=true requires it)`, body);
  }
}
