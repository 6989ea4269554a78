import { normal, type Random } from './prng.js';

/** A gamma draw with shape `k` > 0 and scale 1 (Marsaglia–Tsang; shapes below 1 boosted by U^(1/k)). */
export function gamma(random: Random, k: number): number {
  if (k < 1) return gamma(random, k + 1) * (1 - random()) ** (1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * A unit's own success probability when outcomes within a unit have intra-unit correlation `rho` around the rate
 * `p`: Beta(p·(1/ρ − 1), (1 − p)·(1/ρ − 1)), whose Bernoulli draws have exactly that correlation (beta-binomial).
 */
export function unitRate(random: Random, p: number, rho: number): number {
  if (rho <= 0 || p <= 0 || p >= 1) return p;
  const s = 1 / rho - 1;
  const a = gamma(random, p * s);
  const b = gamma(random, (1 - p) * s);
  return a / (a + b);
}

/** Turns of a session: geometric on 1, 2, … with the given mean (1: every session is a single request). */
export function turnsOf(random: Random, mean: number): number {
  if (mean <= 1) return 1;
  const q = 1 / mean;
  return 1 + Math.floor(Math.log(1 - random()) / Math.log(1 - q));
}

/** An exponential draw with the given mean. */
export function exponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random());
}
