/** A source of uniform numbers in [0, 1), the only randomness the simulations use. */
export type Random = () => number;

/**
 * mulberry32: a small, fast, well-known 32-bit generator, good enough for simulation and fully determined by its
 * seed, so every calibration figure can be reproduced.
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A binomial draw: n Bernoulli trials counted one by one when n is small, the normal approximation (rounded and
 * clamped) when n·p·(1 − p) is large enough for it to be indistinguishable in these simulations.
 */
export function binomial(random: Random, n: number, p: number): number {
  if (n * p * (1 - p) > 50) {
    const draw = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * normal(random));
    return Math.min(n, Math.max(0, draw));
  }
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

/** A Poisson draw (Knuth's method for small means, a rounded normal above 50). */
export function poisson(random: Random, mean: number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(random)));
  const limit = Math.exp(-mean);
  let k = 0;
  let prod = random();
  while (prod > limit) {
    k++;
    prod *= random();
  }
  return k;
}
