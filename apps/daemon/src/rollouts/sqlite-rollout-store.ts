import type { SqliteDatabase } from '../db/database.js';
import type { Rollout, TimelineEntry } from './rollout-state.js';
import type { RolloutQuery, RolloutStore } from './rollout-store.js';

interface RecordRow {
  record: string;
}

const LIVE = `phase IN ('Progressing', 'Paused')`;

function fromRow(row: RecordRow): Rollout {
  return JSON.parse(row.record) as Rollout;
}

/** {@link RolloutStore} on the `rollouts` and `rollout_timeline` tables; each record is kept whole as JSON. */
export class SqliteRolloutStore implements RolloutStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(id: string): Rollout | undefined {
    const row = this.#db.prepare<[string], RecordRow>('SELECT record FROM rollouts WHERE id = ?').get(id);
    return row && fromRow(row);
  }

  live(pack: string): Rollout | undefined {
    const row = this.#db
      .prepare<[string], RecordRow>(
        `SELECT record FROM rollouts WHERE pack = ? AND ${LIVE} ORDER BY rowid DESC LIMIT 1`,
      )
      .get(pack);
    return row && fromRow(row);
  }

  listLive(): Rollout[] {
    return this.#db
      .prepare<[], RecordRow>(`SELECT record FROM rollouts WHERE ${LIVE} ORDER BY started_at, rowid`)
      .all()
      .map(fromRow);
  }

  list(query: RolloutQuery = {}): Rollout[] {
    const where: string[] = [];
    const params: string[] = [];
    if (query.pack !== undefined) {
      where.push('pack = ?');
      params.push(query.pack);
    }
    if (query.phase !== undefined) {
      where.push('phase = ?');
      params.push(query.phase);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.#db
      .prepare<string[], RecordRow>(
        `SELECT record FROM rollouts ${clause} ORDER BY started_at DESC, rowid DESC`,
      )
      .all(...params)
      .map(fromRow);
  }

  save(rollout: Rollout): void {
    this.#db
      .prepare(
        `INSERT INTO rollouts (id, pack, phase, record, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, record = excluded.record,
           updated_at = excluded.updated_at`,
      )
      .run(
        rollout.id,
        rollout.pack,
        rollout.phase,
        JSON.stringify(rollout),
        rollout.startedAt,
        rollout.updatedAt,
      );
  }

  appendTimeline(id: string, entry: TimelineEntry): void {
    this.#db
      .prepare('INSERT INTO rollout_timeline (rollout_id, entry) VALUES (?, ?)')
      .run(id, JSON.stringify(entry));
  }

  timeline(id: string): TimelineEntry[] {
    return this.#db
      .prepare<[string], { entry: string }>(
        'SELECT entry FROM rollout_timeline WHERE rollout_id = ? ORDER BY id',
      )
      .all(id)
      .map((row) => JSON.parse(row.entry) as TimelineEntry);
  }

  deleteForPack(pack: string): number {
    return this.#db.prepare('DELETE FROM rollouts WHERE pack = ?').run(pack).changes;
  }
}
