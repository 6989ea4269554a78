import type { SqliteDatabase } from '../db/database.js';
import type { LookCheck, LookSrm } from './analysis-source.js';
import type { ControllerMemory } from './controller-memory.js';
import type { Decision } from './rollout-machine.js';

/** The controller's latest look at a rollout and what it made of it: API.md's `lastCheck`. */
export interface LastCheck {
  /** When the look was taken (ISO 8601). */
  readonly at: string;
  /** The stage looked at: `segment index/step index`. */
  readonly stage: string;
  readonly checks: readonly LookCheck[];
  readonly srm: LookSrm;
  /** What the machine decided on this look. */
  readonly decision: Decision;
  /** Consecutive failed looks by metric, after this look. */
  readonly failures: Readonly<Record<string, number>>;
  /** Since when each gated metric has been inconclusive (ISO 8601), after this look. */
  readonly inconclusiveSince: Readonly<Record<string, string>>;
}

/** Everything the controller persists for one rollout. */
export interface ControllerRecord {
  readonly memory: ControllerMemory;
  /** The analysis' sequential state, opaque here. */
  readonly sequentialState?: unknown;
  readonly lastCheck: LastCheck | null;
}

/** The controller's persisted state, by rollout. */
export interface ControllerStateStore {
  get(rolloutId: string): ControllerRecord | undefined;
  save(rolloutId: string, record: ControllerRecord, at: string): void;
}

interface Row {
  memory: string;
  sequential_state: string | null;
  last_check: string | null;
}

/** {@link ControllerStateStore} on the `controller_state` table (migration version 4). */
export class SqliteControllerStateStore implements ControllerStateStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(rolloutId: string): ControllerRecord | undefined {
    const row = this.#db
      .prepare<[string], Row>(
        'SELECT memory, sequential_state, last_check FROM controller_state WHERE rollout_id = ?',
      )
      .get(rolloutId);
    if (row === undefined) return undefined;
    return {
      memory: JSON.parse(row.memory) as ControllerMemory,
      ...(row.sequential_state === null ? {} : { sequentialState: JSON.parse(row.sequential_state) }),
      lastCheck: row.last_check === null ? null : (JSON.parse(row.last_check) as LastCheck),
    };
  }

  save(rolloutId: string, record: ControllerRecord, at: string): void {
    this.#db
      .prepare(
        `INSERT INTO controller_state (rollout_id, memory, sequential_state, last_check, updated_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (rollout_id) DO UPDATE SET memory = excluded.memory,
           sequential_state = excluded.sequential_state, last_check = excluded.last_check,
           updated_at = excluded.updated_at`,
      )
      .run(
        rolloutId,
        JSON.stringify(record.memory),
        record.sequentialState === undefined ? null : JSON.stringify(record.sequentialState),
        record.lastCheck === null ? null : JSON.stringify(record.lastCheck),
        at,
      );
  }
}

/**
 * The controller's latest verdicts on a rollout, or `null` before its first look: what `GET /api/v1/rollouts/{id}`
 * and the analysis route return as `lastCheck`.
 */
export function lastCheckOf(db: SqliteDatabase, rolloutId: string): LastCheck | null {
  return new SqliteControllerStateStore(db).get(rolloutId)?.lastCheck ?? null;
}
