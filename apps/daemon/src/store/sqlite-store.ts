import { SqliteAuditStore } from '../audit/sqlite-audit-store.js';
import { SqliteRevisionStore } from '../config/sqlite-revision-store.js';
import type { SqliteDatabase } from '../db/database.js';
import { SqliteFlagStore } from '../flags/sqlite-flag-store.js';
import { SqliteSegmentStore } from '../segments/sqlite-segment-store.js';
import { SqliteTokenStore } from '../tokens/sqlite-token-store.js';
import type { Store } from './store.js';

/**
 * {@link Store} on one better-sqlite3 connection. Feature stores built on the same connection (packs, rollouts)
 * take part in its transactions automatically.
 */
export class SqliteStore implements Store {
  readonly flags: SqliteFlagStore;
  readonly segments: SqliteSegmentStore;
  readonly tokens: SqliteTokenStore;
  readonly audit: SqliteAuditStore;
  readonly revisions: SqliteRevisionStore;
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.flags = new SqliteFlagStore(db);
    this.segments = new SqliteSegmentStore(db);
    this.tokens = new SqliteTokenStore(db);
    this.audit = new SqliteAuditStore(db);
    this.revisions = new SqliteRevisionStore(db);
  }

  transaction<T>(fn: () => T): T {
    // better-sqlite3 turns a nested transaction into a savepoint, which is what "joins the outer one" needs.
    return this.#db.transaction(fn).immediate();
  }
}
