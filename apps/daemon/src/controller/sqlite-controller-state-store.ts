import type { SqliteDatabase } from '../db/database.js';
import type { ControllerMemory } from './controller-memory.js';
import type { ControllerRecord, ControllerStateStore, LastCheck } from './controller-state-store.js';

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
