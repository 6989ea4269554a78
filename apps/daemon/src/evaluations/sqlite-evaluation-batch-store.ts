import type { SqliteDatabase } from '../db/database.js';
import { type BatchRow, batchOf } from './evaluation-batch-rows.js';
import type { EvaluationBatch, EvaluationBatchStore, EvaluationSummary } from './evaluation-batch-store.js';

/** {@link EvaluationBatchStore} on the `evaluation_batches` table (migration version 160). */
export class SqliteEvaluationBatchStore implements EvaluationBatchStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  add(batch: EvaluationBatch): void {
    this.#db
      .prepare(
        `INSERT INTO evaluation_batches (id, rollout_id, pack, sent_at, deadline_at, stable_traces, canary_traces,
           scores, scored_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
      );
  }

  scored(batchId: string, count: number, atMs: number): boolean {
    // A batch answered after its deadline stays late: the finding already happened.
    const result = this.#db
      .prepare(
        `UPDATE evaluation_batches SET scores = scores + ?, scored_at = COALESCE(scored_at, ?),
           state = CASE WHEN state = 'pending' THEN 'scored' ELSE state END
         WHERE id = ?`,
      )
      .run(count, atMs, batchId);
    return result.changes > 0;
  }

  markLate(nowMs: number): EvaluationBatch[] {
    const rows = this.#db
      .prepare<[number], BatchRow>(
        `UPDATE evaluation_batches SET state = 'late' WHERE state = 'pending' AND deadline_at <= ? RETURNING *`,
      )
      .all(nowMs);
    return rows.map(batchOf);
  }

  summary(rolloutId: string): EvaluationSummary {
    const row = this.#db
      .prepare<
        [string],
        {
          sent: number;
          scored: number | null;
          late: number | null;
          pending: number | null;
          last: number | null;
        }
      >(
        `SELECT COUNT(*) AS sent, SUM(state = 'scored') AS scored, SUM(state = 'late') AS late,
           SUM(state = 'pending') AS pending, MAX(sent_at) AS last
         FROM evaluation_batches WHERE rollout_id = ?`,
      )
      .get(rolloutId);
    return {
      sent: row?.sent ?? 0,
      scored: row?.scored ?? 0,
      late: row?.late ?? 0,
      pending: row?.pending ?? 0,
      lastSentAt: row?.last ?? null,
    };
  }

  get(batchId: string): EvaluationBatch | undefined {
    const row = this.#db
      .prepare<[string], BatchRow>('SELECT * FROM evaluation_batches WHERE id = ?')
      .get(batchId);
    return row === undefined ? undefined : batchOf(row);
  }
}
