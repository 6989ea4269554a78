import type { Arm, SliceScope } from './slice-key.js';

/** Where a trace's request was credited, for scores that arrive later by trace id. */
export interface TraceAssignment {
  readonly rolloutId: string;
  readonly flagKey: string;
  readonly arm: Arm;
  /** The version served (the arm's version). */
  readonly variant: string;
  readonly scope: SliceScope;
  /** The trace's unit (`feature_flag.context.id`), so that late scores cluster by unit too. */
  readonly unit?: string;
}

/** The trace id → assignment join that scores use. */
export interface TraceStore {
  /** Records a trace's assignment (a later write for the same trace wins). */
  set(traceId: string, assignment: TraceAssignment): void;
  /** The assignment of a trace, if still remembered. */
  get(traceId: string): TraceAssignment | undefined;
  /** Traces remembered. */
  readonly size: number;
}

/** Default number of traces remembered. */
export const DEFAULT_TRACE_INDEX_SIZE = 100_000;

/**
 * A bounded trace id → assignment index (least recently written first out), filled at span ingest. Memory stays
 * bounded whatever the span volume; a score for a trace that has been evicted is counted as unknown.
 */
export class TraceIndex implements TraceStore {
  readonly #max: number;
  readonly #entries = new Map<string, TraceAssignment>();

  constructor(maxTraces = DEFAULT_TRACE_INDEX_SIZE) {
    this.#max = Math.max(1, maxTraces);
  }

  /** Records a trace's assignment (a later write for the same trace wins). */
  set(traceId: string, assignment: TraceAssignment): void {
    this.#entries.delete(traceId);
    this.#entries.set(traceId, assignment);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** The assignment of a trace, if still remembered. */
  get(traceId: string): TraceAssignment | undefined {
    return this.#entries.get(traceId);
  }

  /** Traces remembered. */
  get size(): number {
    return this.#entries.size;
  }
}
