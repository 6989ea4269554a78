import type { EvaluationContext, EvaluationDetails, Flag } from './model.js';

/**
 * A flag prepared for evaluation: compiled once, evaluated many times. Rule-based flags and flags imported from
 * flagd (JsonLogic targeting) both take this shape.
 */
export interface CompiledFlag {
  /** The flag's key. */
  readonly key: string;
  /** The definition it was compiled from. */
  readonly flag: Flag;
  /**
   * Resolves the flag for a context at `nowMs` (milliseconds since the epoch, injected so evaluation is
   * deterministic). Never throws: problems are reported as `reason: 'ERROR'` with an error code. The returned
   * object may be shared between calls and is frozen.
   */
  evaluate(context: EvaluationContext, nowMs: number): EvaluationDetails;
}
