/**
 * The controller's port to the analysis: what one look at a rollout's telemetry returns. The shapes are the
 * subset of `@prompt-canary/analysis`'s `CheckResult` and `SrmResult` the controller reads, so the daemon's
 * `RolloutAnalyzer` satisfies the port as it is, and unit tests hand the controller a fake.
 */
import type { Rollout } from '../rollouts/rollout-state.js';

/** One metric check of a look (API.md `checks[]`). */
export interface LookCheck {
  readonly metric: string;
  readonly kind: 'threshold' | 'relative' | 'regression';
  readonly result: 'Pass' | 'Fail' | 'Inconclusive';
  readonly stable: number | null;
  readonly canary: number | null;
  readonly threshold?: number;
  readonly n: { readonly stable: number; readonly canary: number };
  /** One readable line with the figures, e.g. `latency_p99 canary 3,412 ms > 3,000 ms (n=412)`. */
  readonly reason: string;
  readonly onFail?: 'rollback' | 'pause' | 'notify';
}

/** The sample-ratio-mismatch verdict of a look (API.md `srm`). */
export interface LookSrm {
  readonly result: 'Pass' | 'Fail' | 'Inconclusive' | 'n/a';
  readonly reason: string;
}

/** The served-versus-assigned verdict of a look: `Fail` when an app instance serves other than the split assigns. */
export interface LookAssignments {
  readonly result: 'Pass' | 'Fail' | 'n/a';
  readonly reason: string;
}

/** What one look returns: the analysis in API.md's shape, and the sequential state to keep for the next look. */
export interface AnalysisOutcome {
  readonly analysis: {
    readonly checks: readonly LookCheck[];
    readonly srm: LookSrm;
    /** Absent when the analysis does not check served against assigned variants. */
    readonly assignments?: LookAssignments;
  };
  /** Opaque to the controller: persisted as JSON and handed back on the next look. */
  readonly sequentialState: unknown;
}

/** Options of one look. */
export interface AnalysisOptions {
  readonly nowMs: number;
  /** The controller always looks at the current step (hard limits still see the last interval only). */
  readonly window: 'step';
  /** The state the previous look returned; absent on the first look of a rollout. */
  readonly sequentialState?: unknown;
}

/**
 * Runs the checks of a live rollout. Synchronous, so that a controller tick (driven by a manual clock in tests)
 * is one indivisible step.
 */
export interface AnalysisSource {
  analyze(rollout: Rollout, options: AnalysisOptions): AnalysisOutcome;
}
