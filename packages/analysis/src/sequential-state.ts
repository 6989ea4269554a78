/** What one sequential check remembers between looks. */
export interface SequentialCheckState {
  /** Looks that had enough samples to test. */
  looks: number;
  /** Running minimum of the always-valid p-value (harm side only for metric checks). */
  minP: number;
  /** Mixing variance fixed at the first conclusive look, so later looks test the same mixture. */
  tau?: number;
  /** Latency percentiles only: running minimum of the log-latency test's p-value (its τ is fixed). */
  minPLog?: number;
}

/**
 * The small per-rollout state the daemon persists between looks (JSON-able). Start each rollout (and each restart
 * of the sequential test) with {@link createSequentialState}.
 */
export interface SequentialState {
  v: 1;
  /** By check key (`metric:kind`). */
  checks: Record<string, SequentialCheckState>;
  srm?: SequentialCheckState;
}

/** A fresh state: no looks yet. */
export function createSequentialState(): SequentialState {
  return { v: 1, checks: {} };
}

/** The key a check's state is stored under. */
export function sequentialKey(metric: string, kind: string): string {
  return `${metric}:${kind}`;
}

/**
 * Folds one conclusive look into a check's state: counts the look, keeps the running minimum of the p-value and
 * freezes τ at its first value. Pure: returns a new object.
 */
export function updateSequentialCheck(
  prior: SequentialCheckState | undefined,
  look: { p: number; tau?: number; pLog?: number },
): SequentialCheckState {
  const next: SequentialCheckState = {
    looks: (prior?.looks ?? 0) + 1,
    minP: Math.min(prior?.minP ?? 1, look.p),
  };
  const tau = prior?.tau ?? look.tau;
  if (tau !== undefined) next.tau = tau;
  if (look.pLog !== undefined || prior?.minPLog !== undefined) {
    next.minPLog = Math.min(prior?.minPLog ?? 1, look.pLog ?? 1);
  }
  return next;
}
