// The cost of canaryd's synchronous PostgreSQL bridge (node-postgres on a worker thread, the main thread waiting
// with synckit) against its floor in the same run: the same statement through node-postgres awaited directly on
// the main thread, on its own connection to the same server. Also one whole change as the store commits it
// (BEGIN + the change lock, two inserts, COMMIT) through the bridge.
//
//   PG_BENCH_URL=postgres://user@127.0.0.1/test pnpm --filter @prompt-canary/bench run pg-bridge
//                                                        (expects apps/daemon/dist to be built)
//
// Bounded: ROUNDS × CALLS statements each way, in a schema of its own, dropped at the end.

import { loadavg } from 'node:os';
import pg from 'pg';
import { PgConnection } from '../apps/daemon/dist/db/pg-connection.js';
import { median } from './lib/machine.js';

const URL_ = process.env.PG_BENCH_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = 5;
const CALLS = 3000;
const SCHEMA = `canary_bench_${process.pid}`;

const bridge = PgConnection.open(URL_, { schema: SCHEMA });
bridge.exec('CREATE TABLE audit (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at TEXT NOT NULL)');
bridge.exec('CREATE TABLE revisions (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, audit_id BIGINT)');
const direct = new pg.Client({ connectionString: URL_ });
await direct.connect();

const perCall = (startNs, calls) => Number(process.hrtime.bigint() - startNs) / calls / 1000;
const rows = { bridge: [], direct: [], change: [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    let t = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) bridge.query('SELECT $1::int AS n', [i]);
    rows.bridge.push(perCall(t, CALLS));
    t = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++)
      await direct.query({ name: 'n', text: 'SELECT $1::int AS n', values: [i] });
    rows.direct.push(perCall(t, CALLS));
    t = process.hrtime.bigint();
    for (let i = 0; i < CALLS / 10; i++) {
      bridge.transaction(() => {
        const id = bridge.query('INSERT INTO audit (at) VALUES ($1) RETURNING id', ['x']).rows[0].id;
        bridge.query('INSERT INTO revisions (audit_id) VALUES ($1)', [id]);
      });
    }
    rows.change.push(perCall(t, CALLS / 10));
  }
} finally {
  bridge.exec(`DROP SCHEMA ${SCHEMA} CASCADE`);
  bridge.close();
  await direct.end();
}

const bridgeUs = median(rows.bridge);
const directUs = median(rows.direct);
console.log(`## PostgreSQL bridge

Node ${process.version}; PostgreSQL on this machine; 1-minute load average ${loadavg()[0].toFixed(1)}. Median of
${ROUNDS} rounds of ${CALLS} calls.

| path | µs per call | × floor |
|---|---:|---:|
| node-postgres awaited on the main thread (floor) | ${directUs.toFixed(1)} | 1.00 |
| \`PgConnection.query\` (worker + \`Atomics.wait\`) | ${bridgeUs.toFixed(1)} | ${(bridgeUs / directUs).toFixed(2)} |
| one change: BEGIN + change lock, 2 inserts, COMMIT | ${median(rows.change).toFixed(1)} | — |
`);
