import type { Condition } from '@prompt-canary/rules';
import type { SqliteDatabase } from '../db/database.js';
import { etagOf } from '../http/content-etag.js';
import type { SegmentStore, StoredSegment } from './segment-store.js';

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

/** {@link SegmentStore} on the `segments` table. */
export class SqliteSegmentStore implements SegmentStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  get(name: string): StoredSegment | undefined {
    const row = this.#db.prepare<[string], SegmentRow>('SELECT * FROM segments WHERE name = ?').get(name);
    return row && fromRow(row);
  }

  list(): StoredSegment[] {
    return this.#db.prepare<[], SegmentRow>('SELECT * FROM segments ORDER BY name').all().map(fromRow);
  }

  put(name: string, match: Condition, at: string): StoredSegment {
    const text = JSON.stringify(match);
    this.#db
      .prepare(
        `INSERT INTO segments (name, match, etag, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET match = excluded.match, etag = excluded.etag,
           updated_at = excluded.updated_at`,
      )
      .run(name, text, etagOf(text), at, at);
    const stored = this.get(name);
    if (!stored) throw new Error(`segment ${name} vanished after write`);
    return stored;
  }

  delete(name: string): boolean {
    return this.#db.prepare('DELETE FROM segments WHERE name = ?').run(name).changes > 0;
  }
}
