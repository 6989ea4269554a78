// A fresh PostgreSQL schema for one benchmark run, so that runs never share tables, and the URL that puts every
// connection of a daemon in it (`options=-c search_path=…`). Dropped again at the end of the run.

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Creates schema `bench_<label>_<random>` on the server at `url`.
 *
 * @returns `{ url, drop }`: the URL for `canaryd --db`, and the function that drops the schema.
 */
export async function freshSchema(url, label) {
  const name = `bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${name}`);
  return {
    url: scoped.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await client.end();
    },
  };
}
