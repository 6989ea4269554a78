import { normalUpperTail } from './tail-probability.js';

/** One look of the mixture SPRT on a normal approximation (STATISTICS.md). */
export interface MsprtLook {
  /** ln Λ; +∞ when the variance is 0 and the estimate is not 0, 0 when both are 0. */
  logLambda: number;
  /** 1/Λ, capped at 1: this look's always-valid p-value (before taking the running minimum). */
  p: number;
  /** Half-width of the always-valid (1 − α) interval around the estimate; 0 when the variance is 0. */
  halfWidth: number;
}

/**
 * Differences this small count as none when the variance is 0: far below anything a metric resolves (a fraction, a
 * millisecond, a token, ln ms), and far above the rounding of sums of a few million values.
 */
const POINT_TOLERANCE = 1e-9;

/**
 * The mSPRT at one look for an estimate `delta` (Δ̂) with variance `variance` (V), mixing variance `tau` (τ) and
 * level `alpha`:
 *
 * Λ = sqrt(V / (V + τ)) · exp(τ·Δ̂² / (2·V·(V + τ))),
 * half-width = sqrt((V·(V + τ)/τ) · (2·ln(1/α) + ln((V + τ)/V))).
 *
 * With V = 0 the arms are judged by their point values: Δ̂ = 0 (within rounding) gives Λ = 1, any other Δ̂ gives
 * Λ = ∞.
 * Computed in log space so large statistics do not overflow.
 */
export function msprt(delta: number, variance: number, tau: number, alpha: number): MsprtLook {
  if (!(tau > 0)) throw new Error(`mSPRT needs tau > 0, got ${tau}`);
  if (!(variance > 0)) {
    // Equal point values may differ by rounding (means of the same constant over different counts): below
    // {@link POINT_TOLERANCE} they are equal.
    const equal = Math.abs(delta) <= POINT_TOLERANCE;
    return { logLambda: equal ? 0 : Number.POSITIVE_INFINITY, p: equal ? 1 : 0, halfWidth: 0 };
  }
  const v = variance;
  const logLambda = 0.5 * Math.log(v / (v + tau)) + (tau * delta * delta) / (2 * v * (v + tau));
  const p = Math.min(1, Math.exp(-logLambda));
  const halfWidth = Math.sqrt(((v * (v + tau)) / tau) * (2 * Math.log(1 / alpha) + Math.log((v + tau) / v)));
  return { logLambda, p, halfWidth };
}

/**
 * The mSPRT against harm only: the same test with the mixture over harmful differences alone (a half-normal of
 * variance τ on θ > 0, Δ̂ oriented so that harm is positive). Its likelihood ratio has a closed form,
 *
 * Λ₊ = 2 · Φ(Δ̂ · sqrt(τ / (V·(V + τ)))) · Λ,
 *
 * with Λ the two-sided ratio of {@link msprt}; for Δ̂ > 0 it lies between Λ and 2Λ. Each component is a likelihood
 * ratio against θ = 0 whose expectation under any θ ≤ 0 is at most 1, so Λ₊ is a nonnegative supermartingale for
 * the whole null "no harm" and Ville's inequality bounds P(sup Λ₊ ≥ 1/α) by α, as for Λ. A check that only ever
 * acts on harm loses nothing by spending none of α on the good side, where the two-sided mixture spends half.
 * The half-width reported stays the two-sided one of {@link msprt} (the interval shown is two-sided).
 */
export function msprtHarm(delta: number, variance: number, tau: number, alpha: number): MsprtLook {
  const look = msprt(delta, variance, tau, alpha);
  if (!(variance > 0) || !Number.isFinite(look.logLambda)) return look;
  const z = delta * Math.sqrt(tau / (variance * (variance + tau)));
  const phi = Math.max(Number.MIN_VALUE, normalUpperTail(-z));
  const logLambda = look.logLambda + Math.LN2 + Math.log(phi);
  return { logLambda, p: Math.min(1, Math.exp(-logLambda)), halfWidth: look.halfWidth };
}
