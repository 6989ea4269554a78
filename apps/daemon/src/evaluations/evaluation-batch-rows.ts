import type { EvaluationBatch } from './evaluation-batch-store.js';

/** An `evaluation_batches` row as both engines return it. */
export interface BatchRow {
  id: string;
  rollout_id: string;
  pack: string;
  sent_at: number;
  deadline_at: number;
  stable_traces: number;
  canary_traces: number;
  scores: number;
  scored_at: number | null;
  state: EvaluationBatch['state'];
}

/** The batch an `evaluation_batches` row holds. */
export function batchOf(row: BatchRow): EvaluationBatch {
  return {
    id: row.id,
    rolloutId: row.rollout_id,
    pack: row.pack,
    sentAt: row.sent_at,
    deadlineAt: row.deadline_at,
    traces: { stable: row.stable_traces, canary: row.canary_traces },
    scores: row.scores,
    scoredAt: row.scored_at,
    state: row.state,
  };
}
