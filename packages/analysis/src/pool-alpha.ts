/**
 * The α of the sequential checks of one comparison pool, when a rollout runs several: the pooled ramp up to 50%,
 * then a fresh pool for each step above it (and one per segment phase), each a new sequential test. Spending the
 * rollout's whole α in every pool would let the false-fail rate grow with the number of restarts (five pools, five
 * chances), so the pools share it: half to the first, where a regression is meant to be caught at a small weight,
 * the other half split evenly among the later ones. The rollout-level rate then stays within α (Bonferroni).
 *
 * @param alpha the rollout's α for the sequential checks (before splitting across metrics)
 * @param pools how many pools the rollout's plan runs (1 or more)
 * @param index which pool this is, from 0
 * @example
 * poolAlpha(0.05, 5, 0); // 0.025 for the pooled ramp up to 50%
 * poolAlpha(0.05, 5, 3); // 0.00625 for a step above 50%
 */
export function poolAlpha(alpha: number, pools: number, index: number): number {
  if (!(pools > 1)) return alpha;
  if (index <= 0) return alpha / 2;
  return alpha / 2 / (pools - 1);
}
