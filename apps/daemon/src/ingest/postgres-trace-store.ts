import { createHash } from 'node:crypto';
import type { PgConnection, PgStatement } from '../db/pg-connection.js';
import type { Arm, SliceScope } from './slice-key.js';
import { DEFAULT_TRACE_JOIN, type TraceJoinBounds } from './sqlite-trace-store.js';
import { type TraceAssignment, TraceIndex, type TraceStore } from './trace-index.js';

/** Bytes of a trace id as stored (a W3C trace id is 16 bytes). */
const ID_BYTES = 16;

interface BatchRow {
  rollout_id: string;
  flag_key: string;
  arm: Arm;
  variant: string;
  scope: SliceScope;
  trace_ids: Uint8Array;
  units: string;
}

/** A trace id as 16 bytes: its hex digits when it has 32, else the first 16 bytes of its SHA-256. */
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
 * The trace id → assignment join on PostgreSQL: the same append-only log of batches as on SQLite
 * (`sqlite-trace-store.ts` says why), written by every replica into one table, which is mergeable as it is:
 * a score arriving at any replica finds a trace recorded by any other. A flush is one round trip (the batches'
 * rows, the age bound and the count, in one transaction); a lookup that misses the in-memory index lets the server
 * search the packed ids (`position`), newest batch first.
 */
export class PostgresTraceStore implements TraceStore {
  readonly #db: PgConnection;
  readonly #now: () => number;
  readonly #bounds: TraceJoinBounds;
  readonly #recent: TraceIndex;
  #pending = new Map<string, TraceAssignment>();
  #stored: number | undefined;

  constructor(
    db: PgConnection,
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

  known(traceId: string): boolean {
    return this.#pending.has(traceId) || this.#recent.get(traceId) !== undefined;
  }

  get(traceId: string): TraceAssignment | undefined {
    const known = this.#pending.get(traceId) ?? this.#recent.get(traceId);
    if (known !== undefined) return known;
    const id = Buffer.alloc(ID_BYTES);
    idBytes(traceId, id, 0);
    const rows = this.#db.query<BatchRow>(
      `SELECT rollout_id, flag_key, arm, variant, scope, trace_ids, units FROM trace_batches
       WHERE recorded_at >= $1 AND position($2::bytea IN trace_ids) > 0 ORDER BY seq DESC`,
      [this.#now() - this.#bounds.maxAgeMs, `\\x${id.toString('hex')}`],
    ).rows;
    for (const row of rows) {
      // The bytes come back from the worker as a plain Uint8Array: search them as a Buffer.
      const ids = Buffer.from(row.trace_ids.buffer, row.trace_ids.byteOffset, row.trace_ids.byteLength);
      const at = indexOfId(ids, id);
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
      return assignment;
    }
    return undefined;
  }

  /** Traces in the stored batches of every writer (as of this process's last flush) plus unwritten ones. */
  get size(): number {
    this.#stored ??=
      this.#db.query<{ n: number }>('SELECT coalesce(sum(count), 0)::bigint AS n FROM trace_batches').rows[0]
        ?.n ?? 0;
    return this.#stored + this.#pending.size;
  }

  /** Writes the traces recorded since the last flush, one row per assignment, then drops what is past the bounds. */
  flush(): void {
    if (this.#pending.size === 0) return;
    const pending = this.#pending;
    this.#pending = new Map();
    // A flush holds a few distinct assignments (rollouts × arms × scopes): a short list compared field by field is
    // cheaper per trace than a composite key hashed into a map (as in the SQLite store).
    const batches: Array<{ a: TraceAssignment; ids: string[]; units: Array<string | null> }> = [];
    let last: (typeof batches)[number] | undefined;
    for (const [traceId, a] of pending) {
      let batch = last !== undefined && sameBatch(last.a, a) ? last : undefined;
      if (batch === undefined) {
        batch = batches.find((b) => sameBatch(b.a, a));
        if (batch === undefined) {
          batch = { a, ids: [], units: [] };
          batches.push(batch);
        }
      }
      last = batch;
      batch.ids.push(traceId);
      batch.units.push(a.unit ?? null);
    }
    const rows = batches;
    const packed = rows.map(({ ids }) => {
      const bytes = Buffer.alloc(ids.length * ID_BYTES);
      for (let i = 0; i < ids.length; i++) idBytes(ids[i] as string, bytes, i * ID_BYTES);
      return bytes;
    });
    const now = this.#now();
    const statements: PgStatement[] = [
      {
        sql: `INSERT INTO trace_batches (recorded_at, rollout_id, flag_key, arm, variant, scope, count, trace_ids, units)
              SELECT $1, rollout_id, flag_key, arm, variant, scope, count, decode(trace_ids, 'hex'), units
              FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[])
                AS u(rollout_id, flag_key, arm, variant, scope, count, trace_ids, units)`,
        params: [
          now,
          rows.map(({ a }) => a.rolloutId),
          rows.map(({ a }) => a.flagKey),
          rows.map(({ a }) => a.arm),
          rows.map(({ a }) => a.variant),
          rows.map(({ a }) => a.scope),
          rows.map(({ ids }) => ids.length),
          // As hex text: bytes cross the worker boundary as plain arrays, which the driver does not read as BYTEA.
          packed.map((bytes) => bytes.toString('hex')),
          rows.map(({ units }) => JSON.stringify(units)),
        ],
      },
      { sql: 'DELETE FROM trace_batches WHERE recorded_at < $1', params: [now - this.#bounds.maxAgeMs] },
      { sql: 'SELECT coalesce(sum(count), 0)::bigint AS n FROM trace_batches', params: [] },
    ];
    const results = this.#db.atomically(statements);
    let stored = (results[2]?.rows[0]?.n as number | undefined) ?? 0;
    if (stored > this.#bounds.maxRows) stored = this.#dropBeyondRows(stored);
    this.#stored = stored;
  }

  /** Drops the oldest whole batches while the rest still hold `maxRows` traces; returns the traces left. */
  #dropBeyondRows(stored: number): number {
    const excess = stored - this.#bounds.maxRows;
    // The newest batch whose running total of older traces stays within the excess: it and all older ones go.
    const dropped = this.#db.query<{ n: number }>(
      `WITH ordered AS (
         SELECT seq, sum(count) OVER (ORDER BY seq) AS running FROM trace_batches
       ), cut AS (SELECT max(seq) AS last FROM ordered WHERE running <= $1)
       , gone AS (DELETE FROM trace_batches WHERE seq <= (SELECT last FROM cut) RETURNING count)
       SELECT coalesce(sum(count), 0)::bigint AS n FROM gone`,
      [excess],
    ).rows[0];
    return stored - (dropped?.n ?? 0);
  }
}
