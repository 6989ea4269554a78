import { SqliteAuditStore } from '../audit/sqlite-audit-store.js';
import { SqliteTokenStore } from '../auth/sqlite-token-store.js';
import { SqliteRevisionStore } from '../changes/sqlite-revision-store.js';
import { SqliteControllerStateStore } from '../controller/sqlite-controller-state-store.js';
import type { SqliteDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migration.js';
import { SqliteDrillStore } from '../drills/sqlite-drill-store.js';
import { SqliteEvaluationBatchStore } from '../evaluations/sqlite-evaluation-batch-store.js';
import { SqliteFlagStore } from '../flags/sqlite-flag-store.js';
import { SqliteSliceStore } from '../ingest/sqlite-slice-store.js';
import { SqliteTraceStore, type TraceJoinBounds } from '../ingest/sqlite-trace-store.js';
import { SqlitePackStore } from '../packs/sqlite-pack-store.js';
import { SqlitePackVersionStore } from '../packs/sqlite-pack-version-store.js';
import { SqliteRolloutStore } from '../rollouts/sqlite-rollout-store.js';
import { SqliteSegmentStore } from '../segments/sqlite-segment-store.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import type { Store } from './store.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** The daemon's clock, for migration and source timestamps; default `Date.now`. */
  now?: () => number;
  /** Hot analysis slices kept deserialized; default 4,096. */
  maxCachedSlices?: number;
  /** Recent traces also kept in memory for joining late scores; default 100,000. */
  maxTraces?: number;
  /** Bounds of the persisted trace join (default 24 h, 2,000,000 traces). */
  traceJoin?: Partial<TraceJoinBounds>;
}

/**
 * {@link Store} on one better-sqlite3 connection: applies the schema's migrations, then builds every feature's
 * SQLite adapter on the same connection, so that all of them take part in {@link SqliteStore.transaction}.
 *
 * @example
 * const store = new SqliteStore(openDatabase('./data/canary.db'));
 */
export class SqliteStore implements Store {
  readonly flags: SqliteFlagStore;
  readonly segments: SqliteSegmentStore;
  readonly tokens: SqliteTokenStore;
  readonly audit: SqliteAuditStore;
  readonly revisions: SqliteRevisionStore;
  readonly packs: SqlitePackStore;
  readonly packVersions: SqlitePackVersionStore;
  readonly rollouts: SqliteRolloutStore;
  readonly controller: SqliteControllerStateStore;
  readonly slices: SqliteSliceStore;
  readonly traces: SqliteTraceStore;
  readonly evaluations: SqliteEvaluationBatchStore;
  readonly drills: SqliteDrillStore;
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase, options: SqliteStoreOptions = {}) {
    const now = options.now ?? Date.now;
    applyMigrations(db, sqliteMigrations(), new Date(now()));
    this.#db = db;
    this.flags = new SqliteFlagStore(db);
    this.segments = new SqliteSegmentStore(db);
    this.tokens = new SqliteTokenStore(db);
    this.audit = new SqliteAuditStore(db);
    this.revisions = new SqliteRevisionStore(db);
    this.packs = new SqlitePackStore(db);
    this.packVersions = new SqlitePackVersionStore(db);
    this.rollouts = new SqliteRolloutStore(db);
    this.controller = new SqliteControllerStateStore(db);
    this.slices = new SqliteSliceStore(db, {
      now,
      ...(options.maxCachedSlices === undefined ? {} : { maxCachedSlices: options.maxCachedSlices }),
    });
    this.evaluations = new SqliteEvaluationBatchStore(db);
    this.drills = new SqliteDrillStore(db);
    this.traces = new SqliteTraceStore(db, {
      now,
      ...(options.traceJoin === undefined ? {} : { bounds: options.traceJoin }),
      ...(options.maxTraces === undefined ? {} : { recent: options.maxTraces }),
    });
  }

  transaction<T>(fn: () => T): T {
    // better-sqlite3 turns a nested transaction into a savepoint, which is what "joins the outer one" needs.
    return this.#db.transaction(fn).immediate();
  }

  ping(): void {
    this.#db.prepare('SELECT 1').get();
  }
}
