import type { PgMigration } from '../db/pg-migration.js';

/** The lease the rollout controller's replicas compete for. */
export const CONTROLLER_LEASE = 'controller';

/**
 * The lease table (PostgreSQL). One row per lease: who holds it, until when (the database's clock, so replicas'
 * clocks never matter), and its epoch, raised each time the lease changes hands.
 */
export const PG_LEASE_TABLE_SQL = `
CREATE TABLE canaryd_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL
)`;

/**
 * Takes or renews lease `$1` for holder `$2` for `$3` ms, unless another holder's lease is unexpired; returns the
 * epoch held, or no row. A new holder raises the epoch; the same holder renewing keeps it. The `WHERE` of the
 * update is re-checked after any lock wait, so a takeover that waited for a fenced commit sees that commit first.
 */
export const PG_LEASE_ACQUIRE_SQL = `
INSERT INTO canaryd_leases AS l (name, holder, epoch, expires_at)
VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE
  SET holder = EXCLUDED.holder,
      epoch = CASE WHEN l.holder = EXCLUDED.holder THEN l.epoch ELSE l.epoch + 1 END,
      expires_at = EXCLUDED.expires_at
  WHERE l.holder = EXCLUDED.holder OR l.expires_at < clock_timestamp()
RETURNING epoch`;

/** Gives up lease `$1` held by `$2` now (a clean shutdown), so another replica need not wait for it to expire. */
export const PG_LEASE_RELEASE_SQL = `
UPDATE canaryd_leases SET expires_at = clock_timestamp() - interval '1 millisecond'
WHERE name = $1 AND holder = $2`;

/**
 * The fence, run inside the store transaction of a controller commit: one row when holder `$2` still holds lease
 * `$1` at epoch `$3` and it has not expired. `FOR SHARE` keeps the row locked until that transaction ends, so a
 * takeover (which updates the row) waits for the commit, and a commit after a takeover finds no row and rolls back.
 */
export const PG_LEASE_FENCE_SQL = `
SELECT epoch FROM canaryd_leases
WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()
FOR SHARE`;

/** PostgreSQL version 6: the controller's lease ({@link PG_LEASE_TABLE_SQL}). */
export const postgresLeaseMigration: PgMigration = {
  version: 6,
  name: 'controller-lease',
  sql: PG_LEASE_TABLE_SQL,
};
