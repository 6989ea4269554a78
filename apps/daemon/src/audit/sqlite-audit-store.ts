import type { SqliteDatabase } from '../db/database.js';
import type { AuditDraft, AuditEntry, AuditPage, AuditQuery, AuditStore } from './audit-store.js';

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  pack: string | null;
  reason: string | null;
  before: string | null;
  after: string | null;
  revision: number | null;
}

function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function fromRow(row: AuditRow): AuditEntry {
  return {
    ...row,
    before: row.before === null ? null : (JSON.parse(row.before) as unknown),
    after: row.after === null ? null : (JSON.parse(row.after) as unknown),
  };
}

/** {@link AuditStore} on the `audit` table. Cursors are opaque strings wrapping the last id seen. */
export class SqliteAuditStore implements AuditStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  append(entry: AuditDraft): number {
    const info = this.#db
      .prepare(
        `INSERT INTO audit (at, actor, action, target, pack, reason, before, after, revision)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.pack,
        entry.reason,
        toJson(entry.before),
        toJson(entry.after),
        entry.revision,
      );
    return Number(info.lastInsertRowid);
  }

  setRevision(id: number, revision: number): void {
    this.#db.prepare('UPDATE audit SET revision = ? WHERE id = ?').run(revision, id);
  }

  since(afterId: number, limit: number): AuditEntry[] {
    return this.#db
      .prepare<[number, number], AuditRow>('SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?')
      .all(afterId, limit)
      .map(fromRow);
  }

  pruneBefore(at: string): number {
    this.#db
      .prepare(
        'UPDATE config_revisions SET audit_id = NULL WHERE audit_id IN (SELECT id FROM audit WHERE at < ?)',
      )
      .run(at);
    return this.#db.prepare('DELETE FROM audit WHERE at < ?').run(at).changes;
  }

  list(query: AuditQuery): AuditPage {
    const before = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(query.cursor);
    if (before === undefined) return { items: [], nextCursor: null };
    const rows =
      query.pack === undefined
        ? this.#db
            .prepare<[number, number], AuditRow>('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?')
            .all(before, query.limit + 1)
        : this.#db
            .prepare<[string, number, number], AuditRow>(
              'SELECT * FROM audit WHERE pack = ? AND id < ? ORDER BY id DESC LIMIT ?',
            )
            .all(query.pack, before, query.limit + 1);
    const items = rows.slice(0, query.limit).map(fromRow);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
  }
}

function encodeCursor(id: number): string {
  return Buffer.from(`a:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^a:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
