import type { Arm } from './slice-key.js';

/** One committed, split-assigned request, offered to the evaluation sampling (no contents: ids and times only). */
export interface SampledTrace {
  readonly rolloutId: string;
  readonly arm: Arm;
  readonly traceId: string;
  /** The variant served (the arm's version). */
  readonly variant: string;
  /** End of the request's span, epoch ms. */
  readonly endMs: number;
}

/**
 * Where ingest offers each committed split-assigned request (its root span, never an inherited copy): the
 * evaluation sampling's reservoir implements it. Called on the ingest path, so it must be cheap and never throw.
 */
export interface TraceSampler {
  offer(trace: SampledTrace): void;
}
