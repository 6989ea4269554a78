import {
  ArmAggregate,
  type ArmAggregateJson,
  UnitExposures,
  type UnitExposuresJson,
} from '@prompt-canary/analysis';
import type { SqliteDatabase } from '../db/database.js';
import { baselineRolloutId, forgetCached } from './pack-baseline.js';
import { type Arm, type SliceKey, type SliceScope, sliceKeyId, type TelemetrySource } from './slice-key.js';
import type { ExposureUpdate, SliceQuery, SliceStore, SliceUpdate, StoredSlice } from './slice-store.js';

/** Options of {@link SqliteSliceStore}. */
export interface SqliteSliceStoreOptions {
  /** Most slices kept deserialized in memory (the hot ones ingest writes to); default 4,096. */
  maxCachedSlices?: number;
  /** Clock for `decided_at`; default `Date.now`. */
  now?: () => number;
}

interface SliceRow {
  arm: string;
  scope: string;
  slice_start: number;
  data: string;
}

/**
 * {@link SliceStore} on the `aggregate_slices` and `analysis_sources` tables (migration 3). Each commit is one
 * SQLite transaction that reads, merges and upserts the touched slices. A bounded LRU cache keeps the hot slices
 * deserialized, so the ingest path merges into objects instead of re-parsing JSON; it only ever holds what is
 * committed (a failed transaction evicts what it touched).
 */
export class SqliteSliceStore implements SliceStore {
  readonly #db: SqliteDatabase;
  readonly #max: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, ArmAggregate>();
  readonly #exposureCache = new Map<string, UnitExposures>();
  readonly #selectExposures;
  readonly #upsertExposures;
  readonly #rangeExposures;
  readonly #sources = new Map<string, TelemetrySource>();
  readonly #select;
  readonly #upsert;
  readonly #range;
  readonly #insertSource;
  readonly #selectSource;

  constructor(db: SqliteDatabase, options: SqliteSliceStoreOptions = {}) {
    this.#db = db;
    this.#max = Math.max(1, options.maxCachedSlices ?? 4096);
    this.#now = options.now ?? Date.now;
    this.#select = db.prepare<[string, string, string, number], { data: string }>(
      'SELECT data FROM aggregate_slices WHERE rollout_id = ? AND arm = ? AND scope = ? AND slice_start = ?',
    );
    this.#upsert = db.prepare<[string, string, string, number, string]>(
      `INSERT INTO aggregate_slices (rollout_id, arm, scope, slice_start, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (rollout_id, arm, scope, slice_start) DO UPDATE SET data = excluded.data`,
    );
    this.#range = db.prepare<[string, number, number], SliceRow>(
      `SELECT arm, scope, slice_start, data FROM aggregate_slices
       WHERE rollout_id = ? AND slice_start >= ? AND slice_start < ? ORDER BY slice_start`,
    );
    this.#selectExposures = db.prepare<[string, number], { data: string }>(
      'SELECT data FROM unit_exposures WHERE rollout_id = ? AND slice_start = ?',
    );
    this.#upsertExposures = db.prepare<[string, number, string]>(
      `INSERT INTO unit_exposures (rollout_id, slice_start, data) VALUES (?, ?, ?)
       ON CONFLICT (rollout_id, slice_start) DO UPDATE SET data = excluded.data`,
    );
    this.#rangeExposures = db.prepare<[string, number], { slice_start: number; data: string }>(
      'SELECT slice_start, data FROM unit_exposures WHERE rollout_id = ? AND slice_start >= ? ORDER BY slice_start',
    );
    this.#insertSource = db.prepare<[string, string, string]>(
      'INSERT OR IGNORE INTO analysis_sources (rollout_id, source, decided_at) VALUES (?, ?, ?)',
    );
    this.#selectSource = db.prepare<[string], { source: string }>(
      'SELECT source FROM analysis_sources WHERE rollout_id = ?',
    );
  }

  commit(
    updates: readonly SliceUpdate[],
    sources?: ReadonlyMap<string, TelemetrySource>,
    exposures: readonly ExposureUpdate[] = [],
  ): void {
    if (updates.length === 0 && exposures.length === 0 && (sources === undefined || sources.size === 0))
      return;
    const touched: Array<[string, ArmAggregate]> = [];
    const touchedExposures: Array<[string, UnitExposures]> = [];
    try {
      this.#db.transaction(() => {
        if (sources !== undefined) {
          const at = new Date(this.#now()).toISOString();
          for (const [rolloutId, source] of sources) this.#insertSource.run(rolloutId, source, at);
        }
        for (const { key, partial } of updates) {
          const id = sliceKeyId(key);
          const aggregate = this.#load(id, key);
          touched.push([id, aggregate]);
          aggregate.absorb(partial);
          const data = JSON.stringify(aggregate.serialize());
          this.#upsert.run(key.rolloutId, key.arm, key.scope, key.sliceStart, data);
        }
        for (const { rolloutId, sliceStart, partial } of exposures) {
          const id = `${rolloutId}\u0000${sliceStart}`;
          const stored = this.#loadExposures(id, rolloutId, sliceStart, partial.cap);
          touchedExposures.push([id, stored]);
          stored.absorb(partial);
          this.#upsertExposures.run(rolloutId, sliceStart, JSON.stringify(stored.serialize()));
        }
      })();
    } catch (error) {
      // The cached objects already absorbed what did not commit: forget them, the database is the truth.
      for (const [id] of touched) this.#cache.delete(id);
      for (const [id] of touchedExposures) this.#exposureCache.delete(id);
      if (sources !== undefined) for (const id of sources.keys()) this.#sources.delete(id);
      throw error;
    }
    // INSERT OR IGNORE kept the first source; the cache must agree with it, not with this commit's claim.
    if (sources !== undefined) for (const id of sources.keys()) this.#sources.delete(id);
    for (const [id, aggregate] of touched) {
      this.#cache.delete(id);
      this.#cache.set(id, aggregate);
    }
    for (const [id, stored] of touchedExposures) {
      this.#exposureCache.delete(id);
      this.#exposureCache.set(id, stored);
    }
    while (this.#exposureCache.size > this.#max) {
      const oldest = this.#exposureCache.keys().next().value;
      if (oldest === undefined) break;
      this.#exposureCache.delete(oldest);
    }
    while (this.#cache.size > this.#max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }

  read(query: SliceQuery): StoredSlice[] {
    const out: StoredSlice[] = [];
    for (const row of this.#range.iterate(query.rolloutId, query.fromMs, query.toMs)) {
      const arm = row.arm as Arm;
      const scope = row.scope as SliceScope;
      if (query.arms !== undefined && !query.arms.includes(arm)) continue;
      if (query.scopes !== undefined && !query.scopes.includes(scope)) continue;
      const key: SliceKey = { rolloutId: query.rolloutId, arm, scope, sliceStart: row.slice_start };
      const cached = this.#cache.get(sliceKeyId(key));
      out.push({ key, aggregate: cached ?? parseAggregate(row.data) });
    }
    return out;
  }

  exposures(rolloutId: string, fromMs = Number.NEGATIVE_INFINITY): UnitExposures {
    const merged = new UnitExposures();
    const from = Number.isFinite(fromMs) ? fromMs : Number.MIN_SAFE_INTEGER;
    for (const row of this.#rangeExposures.iterate(rolloutId, from)) {
      const cached = this.#exposureCache.get(`${rolloutId}\u0000${row.slice_start}`);
      merged.absorb(cached ?? parseExposures(row.data));
    }
    return merged;
  }

  source(rolloutId: string): TelemetrySource | undefined {
    const known = this.#sources.get(rolloutId);
    if (known !== undefined) return known;
    const row = this.#selectSource.get(rolloutId);
    if (row === undefined) return undefined;
    const source = row.source as TelemetrySource;
    this.#sources.set(rolloutId, source);
    return source;
  }

  pruneFinishedBefore(cutoffMs: number): number {
    const deleted = this.#db
      .prepare(
        `DELETE FROM aggregate_slices WHERE slice_start < ?
           AND rollout_id NOT IN (SELECT id FROM rollouts WHERE phase IN ('Progressing', 'Paused'))`,
      )
      .run(cutoffMs).changes;
    this.#db
      .prepare(
        `DELETE FROM unit_exposures WHERE slice_start < ?
           AND rollout_id NOT IN (SELECT id FROM rollouts WHERE phase IN ('Progressing', 'Paused'))`,
      )
      .run(cutoffMs);
    // Only finished rollouts lost slices and nothing ingests into them; dropping the caches keeps them exact anyway.
    if (deleted > 0) {
      this.#cache.clear();
      this.#exposureCache.clear();
    }
    return deleted;
  }

  holdBaseline(pack: string, version: string): number {
    const id = baselineRolloutId(pack);
    const deleted = this.#db.transaction(() => {
      const row = this.#db
        .prepare<[string], { version: string }>('SELECT version FROM pack_baselines WHERE rollout_id = ?')
        .get(id);
      if (row?.version === version) return 0;
      const n = this.#deleteRollout(id);
      this.#db
        .prepare<[string, string, string]>(
          `INSERT INTO pack_baselines (rollout_id, pack, version) VALUES (?, ?, ?)
           ON CONFLICT (rollout_id) DO UPDATE SET version = excluded.version`,
        )
        .run(id, pack, version);
      return n;
    })();
    this.#forget(id);
    return deleted;
  }

  deleteBaseline(pack: string): number {
    const id = baselineRolloutId(pack);
    const deleted = this.#db.transaction(() => {
      const n = this.#deleteRollout(id);
      this.#db.prepare<[string]>('DELETE FROM pack_baselines WHERE rollout_id = ?').run(id);
      return n;
    })();
    this.#forget(id);
    return deleted;
  }

  pruneBaselines(holdMs: number): number {
    const deleted = this.#db.transaction(() => {
      let n = 0;
      const gone = this.#db
        .prepare<[], { rollout_id: string }>(
          'SELECT rollout_id FROM pack_baselines WHERE pack NOT IN (SELECT name FROM packs)',
        )
        .all();
      for (const { rollout_id } of gone) {
        n += this.#deleteRollout(rollout_id);
        this.#db.prepare<[string]>('DELETE FROM pack_baselines WHERE rollout_id = ?').run(rollout_id);
      }
      // Measured from each baseline's newest slice, not from now: a version that stopped receiving traffic (a
      // blue-green switch) keeps its last hour until a new stable version's baseline replaces it.
      n += this.#db
        .prepare<[number]>(
          `WITH newest AS (
             SELECT rollout_id, MAX(slice_start) AS top FROM aggregate_slices
             WHERE rollout_id IN (SELECT rollout_id FROM pack_baselines) GROUP BY rollout_id
           )
           DELETE FROM aggregate_slices
           WHERE rollout_id IN (SELECT rollout_id FROM newest)
             AND slice_start <= (SELECT top FROM newest WHERE newest.rollout_id = aggregate_slices.rollout_id) - ?`,
        )
        .run(holdMs).changes;
      return n;
    })();
    if (deleted > 0) this.#forget('every baseline');
    return deleted;
  }

  /** Deletes a rollout id's slices, exposures and telemetry source; returns the slices deleted. */
  #deleteRollout(id: string): number {
    const n = this.#db.prepare<[string]>('DELETE FROM aggregate_slices WHERE rollout_id = ?').run(id).changes;
    this.#db.prepare<[string]>('DELETE FROM unit_exposures WHERE rollout_id = ?').run(id);
    this.#db.prepare<[string]>('DELETE FROM analysis_sources WHERE rollout_id = ?').run(id);
    return n;
  }

  /** Drops the cached slices, exposures and source of one rollout id, or of every baseline. */
  #forget(rolloutId: string | 'every baseline'): void {
    forgetCached({ slices: this.#cache, exposures: this.#exposureCache, sources: this.#sources }, rolloutId);
  }

  #loadExposures(id: string, rolloutId: string, start: number, cap: number): UnitExposures {
    const cached = this.#exposureCache.get(id);
    if (cached !== undefined) return cached;
    const row = this.#selectExposures.get(rolloutId, start);
    const stored = row === undefined ? new UnitExposures(cap) : parseExposures(row.data);
    this.#exposureCache.set(id, stored);
    return stored;
  }

  #load(id: string, key: SliceKey): ArmAggregate {
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    const row = this.#select.get(key.rolloutId, key.arm, key.scope, key.sliceStart);
    const aggregate = row === undefined ? new ArmAggregate() : parseAggregate(row.data);
    this.#cache.set(id, aggregate);
    return aggregate;
  }
}

function parseExposures(data: string): UnitExposures {
  return UnitExposures.deserialize(JSON.parse(data) as UnitExposuresJson);
}

function parseAggregate(data: string): ArmAggregate {
  return ArmAggregate.deserialize(JSON.parse(data) as ArmAggregateJson);
}
