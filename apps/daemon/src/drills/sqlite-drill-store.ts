import type { SqliteDatabase } from '../db/database.js';
import type { DrillRecord, DrillStep, DrillStore } from './drill-store.js';

interface Row {
  pack: string;
  at: string;
  ok: number;
  revision: number;
  steps: string;
}

function recordOf(row: Row): DrillRecord {
  return {
    at: row.at,
    ok: row.ok === 1,
    revision: row.revision,
    steps: JSON.parse(row.steps) as DrillStep[],
  };
}

/** {@link DrillStore} on the `pack_drills` table (migration version 161). */
export class SqliteDrillStore implements DrillStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  save(pack: string, drill: DrillRecord): void {
    this.#db
      .prepare(
        `INSERT INTO pack_drills (pack, at, ok, revision, steps) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (pack) DO UPDATE SET at = excluded.at, ok = excluded.ok, revision = excluded.revision,
           steps = excluded.steps`,
      )
      .run(pack, drill.at, drill.ok ? 1 : 0, drill.revision, JSON.stringify(drill.steps));
  }

  last(pack: string): DrillRecord | undefined {
    const row = this.#db.prepare<[string], Row>('SELECT * FROM pack_drills WHERE pack = ?').get(pack);
    return row === undefined ? undefined : recordOf(row);
  }

  all(): Map<string, DrillRecord> {
    const rows = this.#db.prepare<[], Row>('SELECT * FROM pack_drills ORDER BY pack').all();
    return new Map(rows.map((row) => [row.pack, recordOf(row)]));
  }

  deletePack(pack: string): void {
    this.#db.prepare('DELETE FROM pack_drills WHERE pack = ?').run(pack);
  }
}
