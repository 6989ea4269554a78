import {
  compileFlagSet,
  type EvaluationContext,
  type EvaluationDetails,
  type FlagSet,
} from '@prompt-canary/rules';

/** The compiled form of one config revision: evaluates any of its flags. */
export interface FlagEvaluator {
  evaluate(key: string, context: EvaluationContext, nowMs: number): EvaluationDetails;
}

/** Compiles a flag set once; the result serves every evaluation until the next revision. */
export function compileEvaluator(flags: FlagSet): FlagEvaluator {
  return compileFlagSet(flags);
}
