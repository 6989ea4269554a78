/**
 * A small, seeded pseudo-random generator (mulberry32) with the few distributions the simulated LLM needs.
 * The same seed gives the same sequence on every machine, so a scenario run can be replayed exactly.
 *
 * @example
 * const random = new SeededRandom(42);
 * random.next(); // 0.6011037519201636, every time
 */
export class SeededRandom {
  #state: number;
  #spareNormal: number | undefined;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `true` with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A standard normal draw (Box–Muller; the second draw of each pair is kept for the next call). */
  normal(): number {
    if (this.#spareNormal !== undefined) {
      const spare = this.#spareNormal;
      this.#spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** A log-normal draw with the given median and 99th percentile (`p99 >= median > 0`). */
  logNormal(median: number, p99: number): number {
    const sigma = Math.log(Math.max(p99, median) / median) / Z_99;
    return median * Math.exp(sigma * this.normal());
  }

  /** A fresh generator whose seed derives from this one's next draw (independent streams per session). */
  fork(): SeededRandom {
    return new SeededRandom(Math.floor(this.next() * 4294967296));
  }
}

/** The standard normal's 99th percentile. */
const Z_99 = 2.3263478740408408;
