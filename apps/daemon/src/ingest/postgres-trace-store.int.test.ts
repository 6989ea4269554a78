import { describePostgres, freshPgConnection } from '../store/testing/postgres-test-store.js';
import { PostgresTraceStore } from './postgres-trace-store.js';
import { describeTraceStoreContract } from './trace-store-contract.js';

describePostgres('PostgresTraceStore', () => {
  describeTraceStoreContract('PostgresTraceStore', () => {
    const db = freshPgConnection();
    return {
      open: (options) => new PostgresTraceStore(db, options),
      batchRows: () =>
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM trace_batches').rows[0]?.n ?? 0,
    };
  });
});
