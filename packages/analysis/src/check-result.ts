import type { OnFail } from './analysis-config.js';

/** Which kind of check produced a result (STATISTICS.md "Three kinds of check"). */
export type CheckKind = 'threshold' | 'relative' | 'regression';

/** The machine-readable outcome. `Inconclusive` means too few samples or no data, nothing else. */
export type CheckOutcome = 'Pass' | 'Fail' | 'Inconclusive';

/** The word people read: Improved (significantly better), OK, Watch (worse, not significantly), Degraded (Fail). */
export type CheckStatus = 'Improved' | 'OK' | 'Watch' | 'Degraded' | 'Inconclusive';

/** One metric check, in the shape of API.md's `checks[]`. */
export interface CheckResult {
  metric: string;
  kind: CheckKind;
  result: CheckOutcome;
  status: CheckStatus;
  /** Stable's value over the check's window (`null` without data). Rates are fractions, latencies ms. */
  stable: number | null;
  /** Canary's value over the check's window (`null` without data). */
  canary: number | null;
  /** The hard limit, for threshold checks. */
  threshold?: number;
  /**
   * Always-valid interval of canary − stable (metric units; rates as fractions), or of the exceedance-rate
   * difference for latency percentiles; for sequential checks.
   */
  interval?: [number, number];
  /** Samples per arm behind the values. */
  n: { stable: number; canary: number };
  /**
   * Distinct assignment units per arm behind the values (estimated, ±9%), when spans carry
   * `feature_flag.context.id`.
   */
  nUnits?: { stable: number; canary: number };
  /**
   * The span of time the check judged (epoch ms): for hard limits the widened last interval, for sequential
   * checks the pooled data. Present when the caller gave times (`stepSlices`, `cumulativeFromMs`).
   */
  window?: { from: number; to: number };
  /** One readable line with the figures. */
  reason: string;
  /** What the controller should do when this check fails. */
  onFail: OnFail;
  /** Always-valid p-value (running minimum over the looks, harm side only), for sequential checks. */
  pValue?: number;
  /** The level this check is held to (α split across the sequential checks). */
  alpha?: number;
}
