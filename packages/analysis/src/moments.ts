/**
 * Count, sum and sum of squares of per-request values: enough for a mean and its variance, and exactly mergeable
 * (across time slices and replicas) by adding fields.
 */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

/** Empty moments. */
export function emptyMoments(): Moments {
  return { n: 0, sum: 0, sumSq: 0 };
}

/** Adds `value` `weight` times to `m` in place (the ingest hot path avoids allocating). */
export function addToMoments(m: Moments, value: number, weight = 1): void {
  m.n += weight;
  m.sum += value * weight;
  m.sumSq += value * value * weight;
}

/** The field-wise sum of two moments (a new object). */
export function mergeMoments(a: Moments, b: Moments): Moments {
  return { n: a.n + b.n, sum: a.sum + b.sum, sumSq: a.sumSq + b.sumSq };
}

/** Mean of the values, `undefined` without any. */
export function momentsMean(m: Moments): number | undefined {
  return m.n > 0 ? m.sum / m.n : undefined;
}

/**
 * Per-request variance (the population form, sum of squares over n minus the squared mean, clamped at 0 against
 * rounding). For 0/1 values this is exactly p(1 − p).
 */
export function momentsVariance(m: Moments): number {
  if (m.n <= 0) return 0;
  const mean = m.sum / m.n;
  return Math.max(0, m.sumSq / m.n - mean * mean);
}
