import {
  ArmAggregate,
  type ArmAggregateJson,
  UnitExposures,
  type UnitExposuresJson,
} from '@prompt-canary/analysis';
import type { PgConnection, PgStatement } from '../db/pg-connection.js';
import { baselineRolloutId, forgetCached } from './pack-baseline.js';
import { type Arm, type SliceKey, type SliceScope, sliceKeyId, type TelemetrySource } from './slice-key.js';
import type { ExposureUpdate, SliceQuery, SliceStore, SliceUpdate, StoredSlice } from './slice-store.js';

/** Options of {@link PostgresSliceStore}. */
export interface PostgresSliceStoreOptions {
  /**
   * Who writes: each process writes only the rows of its own writer id, so that replicas never overwrite each
   * other's contribution. Must be unique among the processes sharing the database at a time.
   */
  writer: string;
  /** Most of this writer's slices kept deserialized in memory; default 4,096. */
  maxCachedSlices?: number;
  /** Clock for `decided_at`; default `Date.now`. */
  now?: () => number;
}

interface SliceRow {
  arm: string;
  scope: string;
  slice_start: number;
  writer: string;
  data: string;
}

/**
 * {@link SliceStore} on PostgreSQL, mergeable across replicas: a slice is one row per writer (rollout × arm × scope
 * × slice start × writer), each process merges its contributions into its own row only, and reads merge the rows
 * of every writer. The cache of hot slices therefore holds this writer's rows exactly (no other process writes
 * them), and a commit is one round trip: the upserts of every touched row, in one transaction. A failed commit
 * evicts what it touched, as on SQLite.
 */
export class PostgresSliceStore implements SliceStore {
  readonly #db: PgConnection;
  readonly #writer: string;
  readonly #max: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, ArmAggregate>();
  readonly #exposureCache = new Map<string, UnitExposures>();
  readonly #sources = new Map<string, TelemetrySource>();

  constructor(db: PgConnection, options: PostgresSliceStoreOptions) {
    this.#db = db;
    this.#writer = options.writer;
    this.#max = Math.max(1, options.maxCachedSlices ?? 4096);
    this.#now = options.now ?? Date.now;
  }

  commit(
    updates: readonly SliceUpdate[],
    sources?: ReadonlyMap<string, TelemetrySource>,
    exposures: readonly ExposureUpdate[] = [],
  ): void {
    if (updates.length === 0 && exposures.length === 0 && (sources === undefined || sources.size === 0))
      return;
    this.#loadMissing(updates, exposures);
    const slices = new Map<string, [SliceKey, ArmAggregate]>();
    const units = new Map<string, [string, number, UnitExposures]>();
    try {
      for (const { key, partial } of updates) {
        const id = sliceKeyId(key);
        const aggregate = this.#cache.get(id) ?? new ArmAggregate();
        this.#cache.set(id, aggregate);
        aggregate.absorb(partial);
        slices.set(id, [key, aggregate]);
      }
      for (const { rolloutId, sliceStart, partial } of exposures) {
        const id = exposureId(rolloutId, sliceStart);
        const stored = this.#exposureCache.get(id) ?? new UnitExposures(partial.cap);
        this.#exposureCache.set(id, stored);
        stored.absorb(partial);
        units.set(id, [rolloutId, sliceStart, stored]);
      }
      this.#db.atomically(this.#statements(slices, units, sources));
    } catch (error) {
      // The cached objects already absorbed what did not commit: forget them, the database is the truth.
      for (const id of slices.keys()) this.#cache.delete(id);
      for (const id of units.keys()) this.#exposureCache.delete(id);
      if (sources !== undefined) for (const id of sources.keys()) this.#sources.delete(id);
      throw error;
    }
    // ON CONFLICT DO NOTHING kept the first source; the cache must agree with it, not with this commit's claim.
    if (sources !== undefined) for (const id of sources.keys()) this.#sources.delete(id);
    for (const [id, [, aggregate]] of slices) {
      this.#cache.delete(id);
      this.#cache.set(id, aggregate);
    }
    for (const [id, [, , stored]] of units) {
      this.#exposureCache.delete(id);
      this.#exposureCache.set(id, stored);
    }
    trim(this.#cache, this.#max);
    trim(this.#exposureCache, this.#max);
  }

  read(query: SliceQuery): StoredSlice[] {
    const rows = this.#db.query<SliceRow>(
      `SELECT arm, scope, slice_start, writer, data FROM aggregate_slices
       WHERE rollout_id = $1 AND slice_start >= $2 AND slice_start < $3 ORDER BY slice_start, arm, scope, writer`,
      [query.rolloutId, clampMs(query.fromMs), clampMs(query.toMs)],
    ).rows;
    const byKey = new Map<string, { key: SliceKey; parts: ArmAggregate[] }>();
    for (const row of rows) {
      const arm = row.arm as Arm;
      const scope = row.scope as SliceScope;
      if (query.arms !== undefined && !query.arms.includes(arm)) continue;
      if (query.scopes !== undefined && !query.scopes.includes(scope)) continue;
      const key: SliceKey = { rolloutId: query.rolloutId, arm, scope, sliceStart: row.slice_start };
      const id = sliceKeyId(key);
      const mine = row.writer === this.#writer ? this.#cache.get(id) : undefined;
      let entry = byKey.get(id);
      if (entry === undefined) {
        entry = { key, parts: [] };
        byKey.set(id, entry);
      }
      entry.parts.push(mine ?? parseAggregate(row.data));
    }
    // One writer's row is returned as is (never mutated by the caller); several are merged into a new aggregate.
    return [...byKey.values()].map(({ key, parts }) => ({
      key,
      aggregate: parts.length === 1 ? (parts[0] as ArmAggregate) : ArmAggregate.mergeAll(parts),
    }));
  }

  exposures(rolloutId: string, fromMs = Number.NEGATIVE_INFINITY): UnitExposures {
    const merged = new UnitExposures();
    const rows = this.#db.query<{ slice_start: number; writer: string; data: string }>(
      `SELECT slice_start, writer, data FROM unit_exposures WHERE rollout_id = $1 AND slice_start >= $2
       ORDER BY slice_start, writer`,
      [rolloutId, clampMs(fromMs)],
    ).rows;
    for (const row of rows) {
      const mine =
        row.writer === this.#writer
          ? this.#exposureCache.get(exposureId(rolloutId, row.slice_start))
          : undefined;
      merged.absorb(mine ?? parseExposures(row.data));
    }
    return merged;
  }

  source(rolloutId: string): TelemetrySource | undefined {
    const known = this.#sources.get(rolloutId);
    if (known !== undefined) return known;
    const row = this.#db.query<{ source: string }>(
      'SELECT source FROM analysis_sources WHERE rollout_id = $1',
      [rolloutId],
    ).rows[0];
    if (row === undefined) return undefined;
    const source = row.source as TelemetrySource;
    this.#sources.set(rolloutId, source);
    return source;
  }

  pruneFinishedBefore(cutoffMs: number): number {
    const notLive = `rollout_id NOT IN (SELECT id FROM rollouts WHERE phase IN ('Progressing', 'Paused'))`;
    const [slices] = this.#db.atomically([
      {
        sql: `DELETE FROM aggregate_slices WHERE slice_start < $1 AND ${notLive}`,
        params: [clampMs(cutoffMs)],
      },
      {
        sql: `DELETE FROM unit_exposures WHERE slice_start < $1 AND ${notLive}`,
        params: [clampMs(cutoffMs)],
      },
    ]);
    const deleted = slices?.rowCount ?? 0;
    // Only finished rollouts lost slices and nothing ingests into them; dropping the caches keeps them exact anyway.
    if (deleted > 0) {
      this.#cache.clear();
      this.#exposureCache.clear();
    }
    return deleted;
  }

  holdBaseline(pack: string, version: string): number {
    const id = baselineRolloutId(pack);
    // One round trip: the deletes run only when another version is recorded (or none), then the version is set.
    const other = 'NOT EXISTS (SELECT 1 FROM pack_baselines WHERE rollout_id = $1 AND version = $2)';
    const [slices] = this.#db.atomically([
      { sql: `DELETE FROM aggregate_slices WHERE rollout_id = $1 AND ${other}`, params: [id, version] },
      { sql: `DELETE FROM unit_exposures WHERE rollout_id = $1 AND ${other}`, params: [id, version] },
      { sql: `DELETE FROM analysis_sources WHERE rollout_id = $1 AND ${other}`, params: [id, version] },
      {
        sql: `INSERT INTO pack_baselines (rollout_id, pack, version) VALUES ($1, $2, $3)
              ON CONFLICT (rollout_id) DO UPDATE SET version = excluded.version
              WHERE pack_baselines.version <> excluded.version`,
        params: [id, pack, version],
      },
    ]);
    // Always: another replica may have deleted this writer's rows when it saw the new version first.
    this.#forget(id);
    return slices?.rowCount ?? 0;
  }

  deleteBaseline(pack: string): number {
    const id = baselineRolloutId(pack);
    const [slices] = this.#db.atomically([
      { sql: 'DELETE FROM aggregate_slices WHERE rollout_id = $1', params: [id] },
      { sql: 'DELETE FROM unit_exposures WHERE rollout_id = $1', params: [id] },
      { sql: 'DELETE FROM analysis_sources WHERE rollout_id = $1', params: [id] },
      { sql: 'DELETE FROM pack_baselines WHERE rollout_id = $1', params: [id] },
    ]);
    this.#forget(id);
    return slices?.rowCount ?? 0;
  }

  pruneBaselines(holdMs: number): number {
    const gone = 'SELECT rollout_id FROM pack_baselines WHERE pack NOT IN (SELECT name FROM packs)';
    const [orphans, , , , old] = this.#db.atomically([
      { sql: `DELETE FROM aggregate_slices WHERE rollout_id IN (${gone})` },
      { sql: `DELETE FROM unit_exposures WHERE rollout_id IN (${gone})` },
      { sql: `DELETE FROM analysis_sources WHERE rollout_id IN (${gone})` },
      { sql: 'DELETE FROM pack_baselines WHERE pack NOT IN (SELECT name FROM packs)' },
      {
        // Measured from each baseline's newest slice (every writer's), not from now.
        sql: `DELETE FROM aggregate_slices s
              USING (SELECT rollout_id, MAX(slice_start) AS top FROM aggregate_slices
                     WHERE rollout_id IN (SELECT rollout_id FROM pack_baselines) GROUP BY rollout_id) n
              WHERE s.rollout_id = n.rollout_id AND s.slice_start <= n.top - $1`,
        params: [clampMs(holdMs)],
      },
    ]);
    const deleted = (orphans?.rowCount ?? 0) + (old?.rowCount ?? 0);
    if (deleted > 0) this.#forget('every baseline');
    return deleted;
  }

  /** Drops the cached slices, exposures and source of one rollout id, or of every baseline. */
  #forget(rolloutId: string | 'every baseline'): void {
    forgetCached({ slices: this.#cache, exposures: this.#exposureCache, sources: this.#sources }, rolloutId);
  }

  /** Reads back, in one query each, this writer's rows that the cache no longer holds (evicted, or a restart). */
  #loadMissing(updates: readonly SliceUpdate[], exposures: readonly ExposureUpdate[]): void {
    const missing = new Map<string, SliceKey>();
    for (const { key } of updates) {
      const id = sliceKeyId(key);
      if (!this.#cache.has(id)) missing.set(id, key);
    }
    const missingUnits = new Map<string, [string, number]>();
    for (const { rolloutId, sliceStart } of exposures) {
      const id = exposureId(rolloutId, sliceStart);
      if (!this.#exposureCache.has(id)) missingUnits.set(id, [rolloutId, sliceStart]);
    }
    const statements: PgStatement[] = [];
    if (missing.size > 0) {
      const keys = [...missing.values()];
      statements.push({
        sql: `SELECT s.rollout_id, s.arm, s.scope, s.slice_start, s.data FROM aggregate_slices s
              JOIN unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS k(rollout_id, arm, scope, slice_start)
                USING (rollout_id, arm, scope, slice_start)
              WHERE s.writer = $1`,
        params: [
          this.#writer,
          keys.map((k) => k.rolloutId),
          keys.map((k) => k.arm),
          keys.map((k) => k.scope),
          keys.map((k) => k.sliceStart),
        ],
      });
    }
    if (missingUnits.size > 0) {
      const keys = [...missingUnits.values()];
      statements.push({
        sql: `SELECT e.rollout_id, e.slice_start, e.data FROM unit_exposures e
              JOIN unnest($2::text[], $3::bigint[]) AS k(rollout_id, slice_start) USING (rollout_id, slice_start)
              WHERE e.writer = $1`,
        params: [this.#writer, keys.map((k) => k[0]), keys.map((k) => k[1])],
      });
    }
    const results = this.#db.batch(statements);
    let at = 0;
    if (missing.size > 0) {
      for (const row of results[at++]?.rows ?? []) {
        const key = {
          rolloutId: row.rollout_id as string,
          arm: row.arm as Arm,
          scope: row.scope as SliceScope,
          sliceStart: row.slice_start as number,
        };
        this.#cache.set(sliceKeyId(key), parseAggregate(row.data as string));
      }
    }
    if (missingUnits.size > 0) {
      for (const row of results[at]?.rows ?? []) {
        const id = exposureId(row.rollout_id as string, row.slice_start as number);
        this.#exposureCache.set(id, parseExposures(row.data as string));
      }
    }
  }

  #statements(
    slices: ReadonlyMap<string, [SliceKey, ArmAggregate]>,
    units: ReadonlyMap<string, [string, number, UnitExposures]>,
    sources: ReadonlyMap<string, TelemetrySource> | undefined,
  ): PgStatement[] {
    const statements: PgStatement[] = [];
    if (sources !== undefined && sources.size > 0) {
      statements.push({
        sql: `INSERT INTO analysis_sources (rollout_id, source, decided_at)
              SELECT rollout_id, source, $3 FROM unnest($1::text[], $2::text[]) AS u(rollout_id, source)
              ON CONFLICT (rollout_id) DO NOTHING`,
        params: [[...sources.keys()], [...sources.values()], new Date(this.#now()).toISOString()],
      });
    }
    if (slices.size > 0) {
      const rows = [...slices.values()];
      statements.push({
        sql: `INSERT INTO aggregate_slices (rollout_id, arm, scope, slice_start, writer, data)
              SELECT rollout_id, arm, scope, slice_start, $1, data
              FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
                AS u(rollout_id, arm, scope, slice_start, data)
              ON CONFLICT (rollout_id, arm, scope, slice_start, writer) DO UPDATE SET data = excluded.data`,
        params: [
          this.#writer,
          rows.map(([k]) => k.rolloutId),
          rows.map(([k]) => k.arm),
          rows.map(([k]) => k.scope),
          rows.map(([k]) => k.sliceStart),
          rows.map(([, a]) => JSON.stringify(a.serialize())),
        ],
      });
    }
    if (units.size > 0) {
      const rows = [...units.values()];
      statements.push({
        sql: `INSERT INTO unit_exposures (rollout_id, slice_start, writer, data)
              SELECT rollout_id, slice_start, $1, data
              FROM unnest($2::text[], $3::bigint[], $4::text[]) AS u(rollout_id, slice_start, data)
              ON CONFLICT (rollout_id, slice_start, writer) DO UPDATE SET data = excluded.data`,
        params: [
          this.#writer,
          rows.map(([r]) => r),
          rows.map(([, s]) => s),
          rows.map(([, , e]) => JSON.stringify(e.serialize())),
        ],
      });
    }
    return statements;
  }
}

function exposureId(rolloutId: string, sliceStart: number): string {
  return `${rolloutId}\u0000${sliceStart}`;
}

/** Milliseconds as a BIGINT parameter: infinities (an open range) become the extreme safe integers. */
function clampMs(ms: number): number {
  if (ms === Number.POSITIVE_INFINITY) return Number.MAX_SAFE_INTEGER;
  if (ms === Number.NEGATIVE_INFINITY) return Number.MIN_SAFE_INTEGER;
  return Math.trunc(ms);
}

function trim<V>(cache: Map<string, V>, max: number): void {
  while (cache.size > max) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
}

function parseExposures(data: string): UnitExposures {
  return UnitExposures.deserialize(JSON.parse(data) as UnitExposuresJson);
}

function parseAggregate(data: string): ArmAggregate {
  return ArmAggregate.deserialize(JSON.parse(data) as ArmAggregateJson);
}
