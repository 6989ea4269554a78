import type { Condition } from '@prompt-canary/rules';
import type { PgConnection } from '../db/pg-connection.js';
import { etagOf } from '../http/content-etag.js';
import type { SegmentStore, StoredSegment } from './segment-store.js';

/**
 * The columns read, named rather than `*`: a statement is prepared once per connection, and a column added by a
 * later migration (another replica upgrading first) must not change what it returns.
 */
const SEGMENT_COLUMNS = 'name, match, etag, created_at, updated_at';

interface SegmentRow {
  name: string;
  match: string;
  etag: string;
  created_at: string;
  updated_at: string;
}

function fromRow(row: SegmentRow): StoredSegment {
  return {
    name: row.name,
    match: JSON.parse(row.match) as Condition,
    etag: row.etag,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** {@link SegmentStore} on PostgreSQL's `segments` table. */
export class PostgresSegmentStore implements SegmentStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  get(name: string): StoredSegment | undefined {
    const row = this.#db.query<SegmentRow>(`SELECT ${SEGMENT_COLUMNS} FROM segments WHERE name = $1`, [name])
      .rows[0];
    return row && fromRow(row);
  }

  list(): StoredSegment[] {
    return this.#db
      .query<SegmentRow>(`SELECT ${SEGMENT_COLUMNS} FROM segments ORDER BY name`)
      .rows.map(fromRow);
  }

  put(name: string, match: Condition, at: string): StoredSegment {
    const text = JSON.stringify(match);
    const row = this.#db.query<SegmentRow>(
      `INSERT INTO segments (name, match, etag, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (name) DO UPDATE SET match = excluded.match, etag = excluded.etag,
         updated_at = excluded.updated_at
       RETURNING ${SEGMENT_COLUMNS}`,
      [name, text, etagOf(text), at],
    ).rows[0];
    if (!row) throw new Error(`segment ${name} vanished after write`);
    return fromRow(row);
  }

  delete(name: string): boolean {
    return this.#db.run('DELETE FROM segments WHERE name = $1', [name]) > 0;
  }
}
