/** One batch of trace ids sent to a pack's evaluation hook. */
export interface EvaluationBatch {
  readonly id: string;
  readonly rolloutId: string;
  readonly pack: string;
  /** When it was drawn and sent, epoch ms. */
  readonly sentAt: number;
  /** When it counts as late if still unscored, epoch ms. */
  readonly deadlineAt: number;
  /** Trace ids sent per arm. */
  readonly traces: { readonly stable: number; readonly canary: number };
  /** Scores received with this batch's id. */
  readonly scores: number;
  /** When its first score arrived, epoch ms; `null` while unscored. */
  readonly scoredAt: number | null;
  /** `pending` until scored or past its deadline; `late` once past it unscored (a score after that keeps `late`). */
  readonly state: 'pending' | 'scored' | 'late';
}

/** What `canary status` and `/metrics` show of a rollout's batches. */
export interface EvaluationSummary {
  readonly sent: number;
  readonly scored: number;
  readonly late: number;
  readonly pending: number;
  /** The last draw that sent a batch, epoch ms. */
  readonly lastSentAt: number | null;
}

/** The evaluation hook's batches, per rollout (the port; {@link SqliteEvaluationBatchStore} is its adapter). */
export interface EvaluationBatchStore {
  /** Records a batch that is being sent. */
  add(batch: EvaluationBatch): void;
  /** Credits `count` scores to a batch; returns whether the batch is known. */
  scored(batchId: string, count: number, atMs: number): boolean;
  /** Marks every pending batch past its deadline late and returns them. */
  markLate(nowMs: number): EvaluationBatch[];
  /** Batch counts of one rollout. */
  summary(rolloutId: string): EvaluationSummary;
  /** A batch by id. */
  get(batchId: string): EvaluationBatch | undefined;
}
