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
  /** Records a trace's assignment (a later write for the same trace wins, keeping the trace's age). */
  set(traceId: string, assignment: TraceAssignment): void;
  /** The assignment of a trace, if still remembered (may read the disk). */
  get(traceId: string): TraceAssignment | undefined;
  /** Whether a trace is known without reading the disk (the receiver's hot path asks this). */
  known(traceId: string): boolean;
  /** Traces remembered. */
  readonly size: number;
  /** Persists what was recorded since the last call (a store that keeps traces only in memory does nothing). */
  flush(): void;
}

/** Default number of traces remembered. */
export const DEFAULT_TRACE_INDEX_SIZE = 100_000;

/**
 * A bounded trace id → assignment index (oldest trace first out), filled at span ingest. Memory stays
 * bounded whatever the span volume; a score for a trace that has been evicted is counted as unknown.
 */
export class TraceIndex implements TraceStore {
  readonly #max: number;
  readonly #slack: number;
  readonly #entries = new Map<string, TraceAssignment>();

  constructor(maxTraces = DEFAULT_TRACE_INDEX_SIZE) {
    this.#max = Math.max(1, maxTraces);
    this.#slack = Math.floor(this.#max / 64);
  }

  /** Records a trace's assignment (a later write for the same trace wins). */
  set(traceId: string, assignment: TraceAssignment): void {
    const before = this.#entries.size;
    // A trace's assignment does not change between its spans: the first write keeps its place in the order.
    this.#entries.set(traceId, assignment);
    if (this.#entries.size === before) return;
    // Evict in batches of 1/64 of the bound: one pass over the oldest keys instead of an iterator per write.
    if (this.#entries.size > this.#max + this.#slack) {
      let excess = this.#entries.size - this.#max;
      for (const oldest of this.#entries.keys()) {
        if (excess-- <= 0) break;
        this.#entries.delete(oldest);
      }
    }
  }

  /** The assignment of a trace, if still remembered. */
  get(traceId: string): TraceAssignment | undefined {
    return this.#entries.get(traceId);
  }

  known(traceId: string): boolean {
    return this.#entries.has(traceId);
  }

  /** Traces remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** Nothing to persist: this index lives in memory only. */
  flush(): void {}
}
