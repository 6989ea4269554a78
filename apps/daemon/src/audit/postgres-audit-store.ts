import type { PgConnection } from '../db/pg-connection.js';
import type { AuditDraft, AuditEntry, AuditPage, AuditQuery, AuditStore } from './audit-store.js';

/**
 * The columns read, named rather than `*`: a statement is prepared once per connection, and a column added by a
 * later migration (another replica upgrading first) must not change what it returns.
 */
const AUDIT_COLUMNS = 'id, at, actor, action, target, pack, reason, before, after, revision';

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

/**
 * {@link AuditStore} on PostgreSQL's `audit` table. Entries are appended inside changes, under the change lock,
 * so ids grow in commit order across every process (event streams resume by id). Cursors are the same opaque
 * strings as SQLite's.
 */
export class PostgresAuditStore implements AuditStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  append(entry: AuditDraft): number {
    const row = this.#db.query<{ id: number }>(
      `INSERT INTO audit (at, actor, action, target, pack, reason, before, after, revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.pack,
        entry.reason,
        toJson(entry.before),
        toJson(entry.after),
        entry.revision,
      ],
    ).rows[0];
    if (row === undefined) throw new Error('no audit id returned');
    return row.id;
  }

  setRevision(id: number, revision: number): void {
    this.#db.run('UPDATE audit SET revision = $1 WHERE id = $2', [revision, id]);
  }

  since(afterId: number, limit: number): AuditEntry[] {
    return this.#db
      .query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE id > $1 ORDER BY id LIMIT $2`, [
        afterId,
        limit,
      ])
      .rows.map(fromRow);
  }

  pruneBefore(at: string): number {
    const [, deleted] = this.#db.batch([
      {
        sql: 'UPDATE config_revisions SET audit_id = NULL WHERE audit_id IN (SELECT id FROM audit WHERE at < $1)',
        params: [at],
      },
      { sql: 'DELETE FROM audit WHERE at < $1', params: [at] },
    ]);
    return deleted?.rowCount ?? 0;
  }

  list(query: AuditQuery): AuditPage {
    const before = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(query.cursor);
    if (before === undefined) return { items: [], nextCursor: null };
    const rows =
      query.pack === undefined
        ? this.#db.query<AuditRow>(
            `SELECT ${AUDIT_COLUMNS} FROM audit WHERE id < $1 ORDER BY id DESC LIMIT $2`,
            [before, query.limit + 1],
          ).rows
        : this.#db.query<AuditRow>(
            `SELECT ${AUDIT_COLUMNS} FROM audit WHERE pack = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
            [query.pack, before, query.limit + 1],
          ).rows;
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
  if (match?.[1] === undefined) return undefined;
  const id = Number(match[1]);
  // A cursor past what a BIGINT holds matches nothing rather than failing the query.
  return Number.isSafeInteger(id) ? id : undefined;
}
