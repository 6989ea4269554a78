import type { PgConnection } from '../db/pg-connection.js';
import type { DrillRecord, DrillStep, DrillStore } from './drill-store.js';

interface Row {
  pack: string;
  at: string;
  ok: boolean;
  revision: number;
  steps: string;
}

const COLUMNS = 'pack, at, ok, revision, steps';

function recordOf(row: Row): DrillRecord {
  return { at: row.at, ok: row.ok, revision: row.revision, steps: JSON.parse(row.steps) as DrillStep[] };
}

/** {@link DrillStore} on PostgreSQL's `pack_drills` table. */
export class PostgresDrillStore implements DrillStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  save(pack: string, drill: DrillRecord): void {
    this.#db.run(
      `INSERT INTO pack_drills (pack, at, ok, revision, steps) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (pack) DO UPDATE SET at = excluded.at, ok = excluded.ok, revision = excluded.revision,
         steps = excluded.steps`,
      [pack, drill.at, drill.ok, drill.revision, JSON.stringify(drill.steps)],
    );
  }

  last(pack: string): DrillRecord | undefined {
    const row = this.#db.query<Row>(`SELECT ${COLUMNS} FROM pack_drills WHERE pack = $1`, [pack]).rows[0];
    return row === undefined ? undefined : recordOf(row);
  }

  all(): Map<string, DrillRecord> {
    const rows = this.#db.query<Row>(`SELECT ${COLUMNS} FROM pack_drills ORDER BY pack`).rows;
    return new Map(rows.map((row) => [row.pack, recordOf(row)]));
  }

  deletePack(pack: string): void {
    this.#db.run('DELETE FROM pack_drills WHERE pack = $1', [pack]);
  }
}
