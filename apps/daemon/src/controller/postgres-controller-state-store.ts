import type { PgConnection } from '../db/pg-connection.js';
import type { ControllerMemory } from './controller-memory.js';
import type { ControllerRecord, ControllerStateStore, LastCheck } from './controller-state-store.js';

interface Row {
  memory: string;
  sequential_state: string | null;
  last_check: string | null;
}

/** {@link ControllerStateStore} on PostgreSQL's `controller_state` table. */
export class PostgresControllerStateStore implements ControllerStateStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  get(rolloutId: string): ControllerRecord | undefined {
    const row = this.#db.query<Row>(
      'SELECT memory, sequential_state, last_check FROM controller_state WHERE rollout_id = $1',
      [rolloutId],
    ).rows[0];
    if (row === undefined) return undefined;
    return {
      memory: JSON.parse(row.memory) as ControllerMemory,
      ...(row.sequential_state === null ? {} : { sequentialState: JSON.parse(row.sequential_state) }),
      lastCheck: row.last_check === null ? null : (JSON.parse(row.last_check) as LastCheck),
    };
  }

  save(rolloutId: string, record: ControllerRecord, at: string): void {
    this.#db.run(
      `INSERT INTO controller_state (rollout_id, memory, sequential_state, last_check, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (rollout_id) DO UPDATE SET memory = excluded.memory,
         sequential_state = excluded.sequential_state, last_check = excluded.last_check,
         updated_at = excluded.updated_at`,
      [
        rolloutId,
        JSON.stringify(record.memory),
        record.sequentialState === undefined ? null : JSON.stringify(record.sequentialState),
        record.lastCheck === null ? null : JSON.stringify(record.lastCheck),
        at,
      ],
    );
  }
}
