import { describePostgres, freshPgConnection } from '../store/testing/postgres-test-store.js';
import { PostgresRolloutStore } from './postgres-rollout-store.js';
import { describeRolloutStoreContract } from './rollout-store-contract.js';

describePostgres('PostgresRolloutStore', () => {
  describeRolloutStoreContract('PostgresRolloutStore', () => new PostgresRolloutStore(freshPgConnection()));
});
