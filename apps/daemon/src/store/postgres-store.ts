import { randomUUID } from 'node:crypto';
import { PostgresAuditStore } from '../audit/postgres-audit-store.js';
import { PostgresTokenStore } from '../auth/postgres-token-store.js';
import { PostgresRevisionStore } from '../changes/postgres-revision-store.js';
import { PostgresControllerStateStore } from '../controller/postgres-controller-state-store.js';
import { PgConnection, type PgConnectionOptions } from '../db/pg-connection.js';
import { applyPgMigrations } from '../db/pg-migration.js';
import { PostgresDrillStore } from '../drills/postgres-drill-store.js';
import { PostgresEvaluationBatchStore } from '../evaluations/postgres-evaluation-batch-store.js';
import { PostgresFlagStore } from '../flags/postgres-flag-store.js';
import { PostgresSliceStore } from '../ingest/postgres-slice-store.js';
import { PostgresTraceStore } from '../ingest/postgres-trace-store.js';
import type { TraceJoinBounds } from '../ingest/sqlite-trace-store.js';
import { PostgresPackStore } from '../packs/postgres-pack-store.js';
import { PostgresPackVersionStore } from '../packs/postgres-pack-version-store.js';
import { PostgresRolloutStore } from '../rollouts/postgres-rollout-store.js';
import { PostgresSegmentStore } from '../segments/postgres-segment-store.js';
import { postgresMigrations } from './postgres-migrations.js';
import type { Store } from './store.js';

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions extends PgConnectionOptions {
  /** The daemon's clock, for migration and source timestamps; default `Date.now`. */
  now?: () => number;
  /** This process's writer id for analysis slices; default a random UUID (one per process). */
  writer?: string;
  /** Hot analysis slices kept deserialized; default 4,096. */
  maxCachedSlices?: number;
  /** Recent traces also kept in memory for joining late scores; default 100,000. */
  maxTraces?: number;
  /** Bounds of the persisted trace join (default 24 h, 2,000,000 traces). */
  traceJoin?: Partial<TraceJoinBounds>;
}

/**
 * {@link Store} on PostgreSQL: one connection (driven synchronously, see {@link PgConnection}) shared by every
 * feature's PostgreSQL adapter, so that all of them take part in {@link PostgresStore.transaction}. Opening it
 * applies the schema's migrations once, under a lock, whatever the number of replicas starting together.
 *
 * A transaction takes the schema's change lock: the changes of every process on the database commit one at a
 * time, so a change, its audit entry and its config revision are one atomic step in one total order, as on SQLite.
 *
 * @example
 * const store = PostgresStore.open('postgres://canary@db.internal/canary');
 */
export class PostgresStore implements Store {
  readonly flags: PostgresFlagStore;
  readonly segments: PostgresSegmentStore;
  readonly tokens: PostgresTokenStore;
  readonly audit: PostgresAuditStore;
  readonly revisions: PostgresRevisionStore;
  readonly packs: PostgresPackStore;
  readonly packVersions: PostgresPackVersionStore;
  readonly evaluations: PostgresEvaluationBatchStore;
  readonly drills: PostgresDrillStore;
  readonly rollouts: PostgresRolloutStore;
  readonly controller: PostgresControllerStateStore;
  readonly slices: PostgresSliceStore;
  readonly traces: PostgresTraceStore;
  /** This process's writer id (its own rows of analysis slices). */
  readonly writer: string;
  readonly #db: PgConnection;

  private constructor(db: PgConnection, options: PostgresStoreOptions) {
    const now = options.now ?? Date.now;
    this.#db = db;
    this.writer = options.writer ?? randomUUID();
    this.flags = new PostgresFlagStore(db);
    this.segments = new PostgresSegmentStore(db);
    this.tokens = new PostgresTokenStore(db);
    this.audit = new PostgresAuditStore(db);
    this.revisions = new PostgresRevisionStore(db);
    this.packs = new PostgresPackStore(db);
    this.packVersions = new PostgresPackVersionStore(db);
    this.evaluations = new PostgresEvaluationBatchStore(db);
    this.drills = new PostgresDrillStore(db);
    this.rollouts = new PostgresRolloutStore(db);
    this.controller = new PostgresControllerStateStore(db);
    this.slices = new PostgresSliceStore(db, {
      writer: this.writer,
      now,
      ...(options.maxCachedSlices === undefined ? {} : { maxCachedSlices: options.maxCachedSlices }),
    });
    this.traces = new PostgresTraceStore(db, {
      now,
      ...(options.traceJoin === undefined ? {} : { bounds: options.traceJoin }),
      ...(options.maxTraces === undefined ? {} : { recent: options.maxTraces }),
    });
  }

  /** Connects to `url`, applies the migrations not applied yet, and builds every adapter on the connection. */
  static open(url: string, options: PostgresStoreOptions = {}): PostgresStore {
    const db = PgConnection.open(url, options);
    try {
      applyPgMigrations(db, postgresMigrations(), new Date((options.now ?? Date.now)()));
    } catch (error) {
      db.close();
      throw error;
    }
    return new PostgresStore(db, options);
  }

  /**
   * The connection every adapter shares: for parts of the daemon that need PostgreSQL itself (the cluster's
   * change notifications and leadership), never for features, which use the ports. A statement run on it inside
   * {@link PostgresStore.transaction} is part of that transaction.
   */
  get connection(): PgConnection {
    return this.#db;
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn);
  }

  ping(): void {
    this.#db.query('SELECT 1');
  }

  /** Closes the connection. */
  close(): void {
    this.#db.close();
  }
}
