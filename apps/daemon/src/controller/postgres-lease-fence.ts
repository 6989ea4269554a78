import type { PgConnection } from '../db/pg-connection.js';
import type { LeaseFence } from './lease-fence.js';
import { PG_LEASE_FENCE_SQL } from './pg-lease-sql.js';

/**
 * {@link LeaseFence} on the PostgreSQL store's own connection, so that the check runs inside the transaction that
 * commits the controller's decision (`SELECT … FOR SHARE` on the lease row, held until that transaction ends).
 */
export class PostgresLeaseFence implements LeaseFence {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  holds(name: string, holder: string, epoch: number): boolean {
    return this.#db.query(PG_LEASE_FENCE_SQL, [name, holder, epoch]).rows.length === 1;
  }
}
