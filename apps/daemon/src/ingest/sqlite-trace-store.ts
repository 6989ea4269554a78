import type { SqliteDatabase } from '../db/database.js';
import type { Arm, SliceScope } from './slice-key.js';
import { type TraceAssignment, TraceIndex, type TraceStore } from './trace-index.js';

/** Bounds of the persisted trace join. */
export interface TraceJoinBounds {
  /** Traces older than this (ms since their first span was recorded) are forgotten; default 24 h. */
  readonly maxAgeMs: number;
  /** Most traces kept, the oldest going first; default 2,000,000 (about 290 MB at 146 bytes a trace, see docs/promptpack.md). */
  readonly maxRows: number;
}

/** Default bounds: a day of traces, at most two million of them. */
export const DEFAULT_TRACE_JOIN: TraceJoinBounds = { maxAgeMs: 24 * 3_600_000, maxRows: 2_000_000 };

interface Row {
  rollout_id: string;
  flag_key: string;
  arm: Arm;
  variant: string;
  scope: SliceScope;
  unit: string | null;
}

/** A 32-hex-digit trace id as its 16 bytes (half the disk of the text); anything else is kept as text. */
function key(traceId: string): Buffer | string {
  return /^[0-9a-f]{32}$/.test(traceId) ? Buffer.from(traceId, 'hex') : traceId;
}

/**
 * The trace id → assignment join on SQLite (`trace_assignments`), so late scores find their version after a
 * restart and hours later: each flagged trace is written once (a later write for the same trace replaces its
 * assignment and keeps its age), in batches at {@link SqliteTraceStore.flush}, and the table stays within
 * {@link TraceJoinBounds} (oldest first: traces are numbered in arrival order). Recent traces are also kept in
 * memory ({@link TraceIndex}), so scores for them never touch the disk.
 */
export class SqliteTraceStore implements TraceStore {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;
  readonly #bounds: TraceJoinBounds;
  readonly #recent: TraceIndex;
  #pending = new Map<string, TraceAssignment>();

  constructor(
    db: SqliteDatabase,
    options: { now: () => number; bounds?: Partial<TraceJoinBounds>; recent?: number },
  ) {
    this.#db = db;
    this.#now = options.now;
    this.#bounds = { ...DEFAULT_TRACE_JOIN, ...options.bounds };
    this.#recent = new TraceIndex(options.recent);
  }

  set(traceId: string, assignment: TraceAssignment): void {
    this.#recent.set(traceId, assignment);
    this.#pending.set(traceId, assignment);
  }

  get(traceId: string): TraceAssignment | undefined {
    const known = this.#pending.get(traceId) ?? this.#recent.get(traceId);
    if (known !== undefined) return known;
    const row = this.#db
      .prepare<[Buffer | string, number], Row>(
        `SELECT rollout_id, flag_key, arm, variant, scope, unit FROM trace_assignments
         WHERE trace_id = ? AND recorded_at >= ?`,
      )
      .get(key(traceId), this.#now() - this.#bounds.maxAgeMs);
    if (row === undefined) return undefined;
    const assignment: { -readonly [K in keyof TraceAssignment]: TraceAssignment[K] } = {
      rolloutId: row.rollout_id,
      flagKey: row.flag_key,
      arm: row.arm,
      variant: row.variant,
      scope: row.scope,
    };
    if (row.unit !== null) assignment.unit = row.unit;
    return assignment;
  }

  /** Traces on disk (a count over the table: for tests and operators, not the hot path), plus unwritten ones. */
  get size(): number {
    const row = this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM trace_assignments').get();
    let pending = 0;
    for (const traceId of this.#pending.keys()) {
      const stored = this.#db.prepare('SELECT 1 FROM trace_assignments WHERE trace_id = ?').get(key(traceId));
      if (stored === undefined) pending++;
    }
    return (row?.n ?? 0) + pending;
  }

  /** Writes the traces recorded since the last flush in one transaction, then drops what is past the bounds. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const pending = this.#pending;
    this.#pending = new Map();
    const now = this.#now();
    const upsert = this.#db.prepare(
      `INSERT INTO trace_assignments (trace_id, rollout_id, flag_key, arm, variant, scope, unit, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (trace_id) DO UPDATE SET rollout_id = excluded.rollout_id, flag_key = excluded.flag_key,
         arm = excluded.arm, variant = excluded.variant, scope = excluded.scope, unit = excluded.unit`,
    );
    this.#db.transaction(() => {
      for (const [traceId, a] of pending) {
        upsert.run(key(traceId), a.rolloutId, a.flagKey, a.arm, a.variant, a.scope, a.unit ?? null, now);
      }
      // Traces are numbered in arrival order, so both bounds cut from the low end.
      this.#db
        .prepare(
          `DELETE FROM trace_assignments WHERE seq < coalesce(
             (SELECT seq FROM trace_assignments WHERE recorded_at >= ? ORDER BY seq LIMIT 1),
             (SELECT max(seq) + 1 FROM trace_assignments))`,
        )
        .run(now - this.#bounds.maxAgeMs);
      this.#db
        .prepare('DELETE FROM trace_assignments WHERE seq <= (SELECT max(seq) FROM trace_assignments) - ?')
        .run(this.#bounds.maxRows);
    })();
  }
}
