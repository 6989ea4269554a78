import type { PgConnection } from '../db/pg-connection.js';
import { type BatchRow, batchOf } from './evaluation-batch-rows.js';
import type { EvaluationBatch, EvaluationBatchStore, EvaluationSummary } from './evaluation-batch-store.js';

/** The columns read, named rather than `*` (a column added by a later migration must not change a prepared read). */
const COLUMNS =
  'id, rollout_id, pack, sent_at, deadline_at, stable_traces, canary_traces, scores, scored_at, state';

/** {@link EvaluationBatchStore} on PostgreSQL's `evaluation_batches` table. */
export class PostgresEvaluationBatchStore implements EvaluationBatchStore {
  readonly #db: PgConnection;

  constructor(db: PgConnection) {
    this.#db = db;
  }

  add(batch: EvaluationBatch): void {
    this.#db.run(
      `INSERT INTO evaluation_batches (id, rollout_id, pack, sent_at, deadline_at, stable_traces, canary_traces,
         scores, scored_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        batch.id,
        batch.rolloutId,
        batch.pack,
        batch.sentAt,
        batch.deadlineAt,
        batch.traces.stable,
        batch.traces.canary,
        batch.scores,
        batch.scoredAt,
        batch.state,
      ],
    );
  }

  scored(batchId: string, count: number, atMs: number): boolean {
    // A batch answered after its deadline stays late: the finding already happened.
    const changed = this.#db.run(
      `UPDATE evaluation_batches SET scores = scores + $1, scored_at = COALESCE(scored_at, $2),
         state = CASE WHEN state = 'pending' THEN 'scored' ELSE state END
       WHERE id = $3`,
      [count, atMs, batchId],
    );
    return changed > 0;
  }

  markLate(nowMs: number): EvaluationBatch[] {
    return this.#db
      .query<BatchRow>(
        `UPDATE evaluation_batches SET state = 'late' WHERE state = 'pending' AND deadline_at <= $1
         RETURNING ${COLUMNS}`,
        [nowMs],
      )
      .rows.map(batchOf);
  }

  summary(rolloutId: string): EvaluationSummary {
    const row = this.#db.query<{
      sent: number;
      scored: number | null;
      late: number | null;
      pending: number | null;
      last: number | null;
    }>(
      `SELECT COUNT(*)::int AS sent, (COUNT(*) FILTER (WHERE state = 'scored'))::int AS scored,
         (COUNT(*) FILTER (WHERE state = 'late'))::int AS late,
         (COUNT(*) FILTER (WHERE state = 'pending'))::int AS pending, MAX(sent_at) AS last
       FROM evaluation_batches WHERE rollout_id = $1`,
      [rolloutId],
    ).rows[0];
    return {
      sent: row?.sent ?? 0,
      scored: row?.scored ?? 0,
      late: row?.late ?? 0,
      pending: row?.pending ?? 0,
      lastSentAt: row?.last ?? null,
    };
  }

  get(batchId: string): EvaluationBatch | undefined {
    const row = this.#db.query<BatchRow>(`SELECT ${COLUMNS} FROM evaluation_batches WHERE id = $1`, [batchId])
      .rows[0];
    return row === undefined ? undefined : batchOf(row);
  }
}
