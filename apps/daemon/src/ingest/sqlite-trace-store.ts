import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db/database.js';
import type { Arm, SliceScope } from './slice-key.js';
import { type TraceAssignment, TraceIndex, type TraceStore } from './trace-index.js';

/** Bounds of the persisted trace join. */
export interface TraceJoinBounds {
  /** Traces recorded longer ago than this (ms) are forgotten; default 24 h. */
  readonly maxAgeMs: number;
  /** Most traces kept, the oldest going first (in whole batches); default 2,000,000 (about 70 MB, see docs). */
  readonly maxRows: number;
}

/** Default bounds: a day of traces, at most two million of them. */
export const DEFAULT_TRACE_JOIN: TraceJoinBounds = { maxAgeMs: 24 * 3_600_000, maxRows: 2_000_000 };

/** Bytes of a trace id as stored (a W3C trace id is 16 bytes). */
const ID_BYTES = 16;

interface BatchRow {
  seq: number;
  rollout_id: string;
  flag_key: string;
  arm: Arm;
  variant: string;
  scope: SliceScope;
  trace_ids: Buffer;
  units: string;
}

/**
 * A trace id as 16 bytes: a 32-hex-digit id (what the OTLP receiver produces) as its bytes, anything else as the
 * first 16 bytes of its SHA-256, so every id has a fixed-size key.
 */
function idBytes(traceId: string, into: Buffer, offset: number): void {
  if (traceId.length === 32 && into.write(traceId, offset, ID_BYTES, 'hex') === ID_BYTES) return;
  createHash('sha256').update(traceId).digest().copy(into, offset, 0, ID_BYTES);
}

/** Where `id` sits in a batch's packed ids (aligned on a whole id), or -1. */
function indexOfId(ids: Buffer, id: Buffer): number {
  let at = ids.indexOf(id);
  while (at >= 0 && at % ID_BYTES !== 0) at = ids.indexOf(id, at + 1);
  return at < 0 ? -1 : at / ID_BYTES;
}

/** The statements of a flush. */
interface FlushStatements {
  readonly insert: Statement<unknown[]>;
  readonly dropOlder: Statement<[number], { n: number | null }>;
}

/** Whether two assignments go in one batch row: the same rollout, flag, arm, version and scope (units may differ). */
function sameBatch(a: TraceAssignment, b: TraceAssignment): boolean {
  return (
    a.rolloutId === b.rolloutId &&
    a.arm === b.arm &&
    a.scope === b.scope &&
    a.variant === b.variant &&
    a.flagKey === b.flagKey
  );
}

/**
 * The trace id → assignment join on SQLite, so late scores find their version after a restart and hours later.
 *
 * Written as an append-only log: at each {@link SqliteTraceStore.flush} (once per group commit of the OTLP
 * receiver), the traces recorded since the last one are written as one row per assignment (rollout, arm, version,
 * scope), holding their ids packed 16 bytes apiece and their units. Appending costs one row per batch whatever
 * the number of traces, where a table keyed by trace id would insert each trace at a random place in an index
 * (measured: 25–60 µs per trace beyond a few hundred thousand rows, one dirtied page each, against about 10 µs for
 * everything else the receiver does with a span). The price is paid by lookups that miss the in-memory index of
 * recent traces ({@link TraceIndex}): they read the batches newest first, which is a scan of at most the bound
 * (about 16 bytes a trace). Scores are rare next to spans, and the recent index answers most of them.
 *
 * A later write for a trace wins (the newest batch holding it is read first); a trace is kept `maxAgeMs` after its
 * last write. Both bounds drop whole batches, oldest first.
 */
export class SqliteTraceStore implements TraceStore {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;
  readonly #bounds: TraceJoinBounds;
  readonly #recent: TraceIndex;
  #pending = new Map<string, TraceAssignment>();
  /** Traces in the stored batches (read once, then kept up to date by `flush`). */
  #stored: number | undefined;
  /** The statements every flush runs, prepared on the first one (once per store, not once per group commit). */
  #prepared: FlushStatements | undefined;

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

  /** Whether a trace is known without reading the disk (the receiver's hot path asks this). */
  known(traceId: string): boolean {
    return this.#pending.has(traceId) || this.#recent.get(traceId) !== undefined;
  }

  get(traceId: string): TraceAssignment | undefined {
    const known = this.#pending.get(traceId) ?? this.#recent.get(traceId);
    if (known !== undefined) return known;
    const id = Buffer.alloc(ID_BYTES);
    idBytes(traceId, id, 0);
    const rows = this.#db
      .prepare<[number], BatchRow>(
        `SELECT seq, rollout_id, flag_key, arm, variant, scope, trace_ids, units FROM trace_batches
         WHERE recorded_at >= ? ORDER BY seq DESC`,
      )
      .iterate(this.#now() - this.#bounds.maxAgeMs);
    for (const row of rows) {
      const at = indexOfId(row.trace_ids, id);
      if (at < 0) continue;
      const unit = (JSON.parse(row.units) as Array<string | null>)[at];
      const assignment: { -readonly [K in keyof TraceAssignment]: TraceAssignment[K] } = {
        rolloutId: row.rollout_id,
        flagKey: row.flag_key,
        arm: row.arm,
        variant: row.variant,
        scope: row.scope,
      };
      if (typeof unit === 'string') assignment.unit = unit;
      return assignment; // leaving the loop closes the statement's iterator
    }
    return undefined;
  }

  /** Traces on disk (counted per batch, so a trace written twice counts twice) plus unwritten ones. */
  get size(): number {
    return this.#storedCount() + this.#pending.size;
  }

  #storedCount(): number {
    this.#stored ??=
      this.#db.prepare<[], { n: number | null }>('SELECT sum(count) AS n FROM trace_batches').get()?.n ?? 0;
    return this.#stored;
  }

  /** Writes the traces recorded since the last flush, one row per assignment, then drops what is past the bounds. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const pending = this.#pending;
    this.#pending = new Map();
    // A flush holds a few distinct assignments (rollouts × arms × scopes): a short list compared field by field is
    // cheaper per trace than a composite key string hashed into a map.
    const batches: Array<{ assignment: TraceAssignment; ids: string[]; units: Array<string | null> }> = [];
    let last: (typeof batches)[number] | undefined;
    for (const [traceId, a] of pending) {
      let batch = last !== undefined && sameBatch(last.assignment, a) ? last : undefined;
      if (batch === undefined) {
        batch = batches.find((b) => sameBatch(b.assignment, a));
        if (batch === undefined) {
          batch = { assignment: a, ids: [], units: [] };
          batches.push(batch);
        }
      }
      last = batch;
      batch.ids.push(traceId);
      batch.units.push(a.unit ?? null);
    }
    const now = this.#now();
    const { insert, dropOlder } = this.#statements();
    let stored = this.#storedCount();
    this.#db.transaction(() => {
      for (const { assignment: a, ids, units } of batches) {
        const packed = Buffer.alloc(ids.length * ID_BYTES);
        for (let i = 0; i < ids.length; i++) idBytes(ids[i] as string, packed, i * ID_BYTES);
        insert.run(
          now,
          a.rolloutId,
          a.flagKey,
          a.arm,
          a.variant,
          a.scope,
          ids.length,
          packed,
          JSON.stringify(units),
        );
        stored += ids.length;
      }
      stored -= dropOlder.all(now - this.#bounds.maxAgeMs).reduce((sum, row) => sum + (row.n ?? 0), 0);
      stored = this.#dropBeyondRows(stored);
    })();
    this.#stored = stored;
  }

  #statements(): FlushStatements {
    this.#prepared ??= {
      insert: this.#db.prepare(
        `INSERT INTO trace_batches (recorded_at, rollout_id, flag_key, arm, variant, scope, count, trace_ids, units)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      dropOlder: this.#db.prepare<[number], { n: number | null }>(
        'DELETE FROM trace_batches WHERE recorded_at < ? RETURNING count AS n',
      ),
    };
    return this.#prepared;
  }

  /** Drops the oldest batches while the rest still hold `maxRows` traces; returns the traces left. */
  #dropBeyondRows(stored: number): number {
    let excess = stored - this.#bounds.maxRows;
    if (excess <= 0) return stored;
    let last: number | undefined;
    let dropped = 0;
    const oldest = this.#db
      .prepare<[], { seq: number; count: number }>('SELECT seq, count FROM trace_batches ORDER BY seq')
      .iterate();
    for (const row of oldest) {
      if (row.count > excess) break;
      excess -= row.count;
      dropped += row.count;
      last = row.seq;
    }
    if (last === undefined) return stored;
    this.#db.prepare('DELETE FROM trace_batches WHERE seq <= ?').run(last);
    return stored - dropped;
  }
}
