import { afterEach, describe } from 'vitest';
import { openDatabase } from '../db/database.js';
import { SqliteStore } from '../store/sqlite-store.js';
import {
  describePostgres,
  freshPostgresStore,
  freshSchemaName,
  postgresTestUrl,
} from '../store/testing/postgres-test-store.js';
import { SoleLeadership } from './leadership.js';
import { leadershipContract } from './leadership-contract.js';
import { PgLeaseLeadership } from './pg-lease-leadership.js';
import { PostgresLeaseFence } from './postgres-lease-fence.js';
import { ScriptedLeadership } from './testing/scripted-leadership.js';

const closers: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function sqlite(): SqliteStore {
  const db = openDatabase(':memory:');
  closers.push(() => {
    db.close();
  });
  return new SqliteStore(db);
}

describe('the Leadership contract: SoleLeadership (SQLite)', () => {
  leadershipContract(async () => {
    const store = sqlite();
    return { leader: new SoleLeadership(), transaction: (fn) => store.transaction(fn) };
  });
});

describe('the Leadership contract: ScriptedLeadership (tests)', () => {
  leadershipContract(async () => {
    const store = sqlite();
    return {
      leader: new ScriptedLeadership(true),
      follower: new ScriptedLeadership(false),
      transaction: (fn) => store.transaction(fn),
    };
  });
});

describePostgres('the Leadership contract: PgLeaseLeadership (PostgreSQL)', () => {
  leadershipContract(async () => {
    const schema = freshSchemaName();
    const store = freshPostgresStore({ schema });
    const fence = new PostgresLeaseFence(store.connection);
    const make = (holder: string) => {
      const leadership = new PgLeaseLeadership({
        connectionString: postgresTestUrl,
        schema,
        fence,
        holder,
        ttlMs: 10_000,
      });
      closers.push(() => leadership.close());
      return leadership;
    };
    const leader = make('a');
    await leader.start();
    const follower = make('b');
    await follower.start();
    return { leader, follower, transaction: (fn) => store.transaction(fn) };
  });
});
