import { describePostgres, freshPgConnection } from '../store/testing/postgres-test-store.js';
import { describePackStoreContract } from './pack-store-contract.js';
import { PostgresPackStore } from './postgres-pack-store.js';

describePostgres('PostgresPackStore', () => {
  describePackStoreContract('PostgresPackStore', () => new PostgresPackStore(freshPgConnection()));
});
