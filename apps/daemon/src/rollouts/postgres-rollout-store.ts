import type { PgConnection } from '../db/pg-connection.js';
import type { Rollout, TimelineEntry } from './rollout-state.js';
import type { RolloutQuery, RolloutStore } from './rollout-store.js';

interface RecordRow {
  record: string;
}

const LIVE = `phase IN ('Progressing', 'Paused')`;

function fromRow(row: RecordRow): Rollout {
  return JSON.parse(row.record) as Rollout;
}

/**
 * {@link RolloutStore} on PostgreSQL's `rollouts` and `rollout_timeline` tables; each record is kept whole as
 * JSON, and `seq` (the order of first save) breaks ties as SQLite's rowid does.
 */
export class PostgresRolloutStore implements RolloutStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  get(id: string): Rollout | undefined {
    const row = this.#db.query<RecordRow>('SELECT record FROM rollouts WHERE id = $1', [id]).rows[0];
    return row && fromRow(row);
  }

  live(pack: string): Rollout | undefined {
    const row = this.#db.query<RecordRow>(
      `SELECT record FROM rollouts WHERE pack = $1 AND ${LIVE} ORDER BY seq DESC LIMIT 1`,
      [pack],
    ).rows[0];
    return row && fromRow(row);
  }

  listLive(): Rollout[] {
    return this.#db
      .query<RecordRow>(`SELECT record FROM rollouts WHERE ${LIVE} ORDER BY started_at COLLATE "C", seq`)
      .rows.map(fromRow);
  }

  list(query: RolloutQuery = {}): Rollout[] {
    const where: string[] = [];
    const params: string[] = [];
    if (query.pack !== undefined) {
      params.push(query.pack);
      where.push(`pack = $${params.length}`);
    }
    if (query.phase !== undefined) {
      params.push(query.phase);
      where.push(`phase = $${params.length}`);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.#db
      .query<RecordRow>(
        `SELECT record FROM rollouts ${clause} ORDER BY started_at COLLATE "C" DESC, seq DESC`,
        params,
      )
      .rows.map(fromRow);
  }

  save(rollout: Rollout): void {
    this.#db.run(
      `INSERT INTO rollouts (id, pack, phase, record, started_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, record = excluded.record,
         updated_at = excluded.updated_at`,
      [
        rollout.id,
        rollout.pack,
        rollout.phase,
        JSON.stringify(rollout),
        rollout.startedAt,
        rollout.updatedAt,
      ],
    );
  }

  appendTimeline(id: string, entry: TimelineEntry): void {
    this.#db.run('INSERT INTO rollout_timeline (rollout_id, entry) VALUES ($1, $2)', [
      id,
      JSON.stringify(entry),
    ]);
  }

  timeline(id: string): TimelineEntry[] {
    return this.#db
      .query<{ entry: string }>('SELECT entry FROM rollout_timeline WHERE rollout_id = $1 ORDER BY id', [id])
      .rows.map((row) => JSON.parse(row.entry) as TimelineEntry);
  }

  deleteForPack(pack: string): number {
    return this.#db.run('DELETE FROM rollouts WHERE pack = $1', [pack]);
  }
}
