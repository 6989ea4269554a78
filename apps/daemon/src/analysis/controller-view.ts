import type { SqliteDatabase } from '../db/database.js';

/** What the analysis route shows of the controller: its latest verdicts and the sequential state it keeps. */
export interface ControllerView {
  /** The controller's latest look at a rollout (API.md `lastCheck`), or `null` before its first look. */
  lastCheck(rolloutId: string): unknown;
  /** The sequential state the controller persisted for a rollout, if any. */
  sequentialState(rolloutId: string): unknown;
}

interface ControllerRow {
  sequential_state: string | null;
  last_check: string | null;
}

/**
 * Reads the rollout controller's `controller_state` table (its migration, version 4) when it exists; a daemon
 * without the controller sees `null` verdicts and no state.
 */
export function sqliteControllerView(db: SqliteDatabase): ControllerView {
  const row = (rolloutId: string): ControllerRow | undefined => {
    const table = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'controller_state'",
      )
      .get();
    if (table === undefined) return undefined;
    return db
      .prepare<[string], ControllerRow>(
        'SELECT sequential_state, last_check FROM controller_state WHERE rollout_id = ?',
      )
      .get(rolloutId);
  };
  return {
    lastCheck(rolloutId) {
      const text = row(rolloutId)?.last_check;
      return text == null ? null : (JSON.parse(text) as unknown);
    },
    sequentialState(rolloutId) {
      const text = row(rolloutId)?.sequential_state;
      return text == null ? undefined : (JSON.parse(text) as unknown);
    },
  };
}
