import { unitHash } from './unit-hash.js';

/** Default most units kept before the hash sample halves (≈2 MB in memory, ≈0.7 MB as JSON). */
export const DEFAULT_EXPOSURE_CAP = 32_768;

/** One sampled unit at its first exposure. */
interface Exposure {
  canary: boolean;
  /** Canary share the split served at the unit's first exposure (0..1). */
  share: number;
  timeMs: number;
}

/** JSON-able form of {@link UnitExposures}: per unit, its 53-bit key, arm, share index and time. */
export interface UnitExposuresJson {
  v: 2;
  cap: number;
  level: number;
  t0: number;
  shares: number[];
  /** Unit keys (53-bit integers), ascending. */
  k: number[];
  /** `1` canary, `0` stable, one digit per unit. */
  arms: string;
  /** Index into `shares`, per unit. */
  share: number[];
  /** First exposure, ms after `t0`, per unit. */
  dt: number[];
}

/** The first stored form, with keys as fixed-width text (11 base-36 digits per unit); still read. */
export interface UnitExposuresJsonV1 extends Omit<UnitExposuresJson, 'v' | 'k'> {
  v: 1;
  keys: string;
}

/** Counts over the sampled units, what the SRM test reads. */
export interface ExposureCounts {
  /** Sampled units per arm at first exposure. */
  stable: number;
  canary: number;
  /** Σ of the expected canary share over the sampled units (the expected canary count). */
  expected: number;
  /** Σ w(1 − w): the variance of the canary count under a correct split. */
  variance: number;
  /** 2^level: one sampled unit stands for this many (estimated totals = counts × scale). */
  scale: number;
}

const KEY_WIDTH = 11;
const TWO_POW_21 = 2 ** 21;

/** A 53-bit key from two independent 32-bit hashes: the top 32 bits decide the sample, collisions are negligible. */
function keyOf(unit: string): { hash: number; key: number } {
  const hash = unitHash(unit);
  const low = unitHash(`\u0001${unit}`) >>> 11;
  return { hash, key: hash * TWO_POW_21 + low };
}

function inSample(hash: number, level: number): boolean {
  return level === 0 || hash < 2 ** (32 - level);
}

/**
 * Distinct units per arm at their first exposure over a whole rollout, for the sample-ratio check on units
 * (STATISTICS.md "Sample-ratio mismatch"). Memory is bounded whatever the number of units: it keeps exactly the
 * units whose hash lies below 2^(32 − level), and raises the level (halving the sample) whenever more than `cap`
 * are kept (adaptive threshold sampling). The sample is a hash of the unit alone, independent of its arm, so
 * counting exactly within it is an exact test at any scale; estimated totals are counts × 2^level.
 *
 * Mergeable across replicas and slices ({@link UnitExposures.absorb}: union, earliest exposure wins, then the
 * larger level), with an exact JSON round trip. Add only split-assigned units (reason `SPLIT` or none).
 *
 * @example
 * ```ts
 * const exposures = new UnitExposures();
 * exposures.add(obs.unit, 'canary', 0.1, obs.endTimeMs);
 * analyze({ ..., srm: exposures });
 * ```
 */
export class UnitExposures {
  readonly cap: number;
  #level = 0;
  readonly #units = new Map<number, Exposure>();
  readonly #hashes = new Map<number, number>();

  constructor(cap = DEFAULT_EXPOSURE_CAP) {
    if (!(cap >= 1)) throw new RangeError(`cap must be at least 1, got ${cap}`);
    this.cap = Math.floor(cap);
  }

  /** Halvings so far: each kept unit stands for 2^level units. */
  get level(): number {
    return this.#level;
  }

  /** Units kept in the sample. */
  get size(): number {
    return this.#units.size;
  }

  /**
   * Records an exposure of `unit` to `arm` at `timeMs` while the split served `expectedShare` to the canary
   * (0..1). Only a unit's earliest exposure counts: a unit that moves from stable to canary when the weight rises
   * stays one draw, at the weight of its first exposure.
   */
  add(unit: string, arm: 'stable' | 'canary', expectedShare: number, timeMs: number): void {
    const { hash, key } = keyOf(unit);
    if (!inSample(hash, this.#level)) return;
    const share = Math.min(1, Math.max(0, expectedShare));
    this.#put(key, hash, { canary: arm === 'canary', share, timeMs });
    this.#shrink();
  }

  #put(key: number, hash: number, e: Exposure): void {
    const mine = this.#units.get(key);
    if (mine !== undefined && !earlier(e, mine)) return;
    this.#units.set(key, e);
    this.#hashes.set(key, hash);
  }

  #shrink(): void {
    while (this.#units.size > this.cap) {
      this.#level += 1;
      for (const [key, hash] of this.#hashes) {
        if (inSample(hash, this.#level)) continue;
        this.#hashes.delete(key);
        this.#units.delete(key);
      }
    }
  }

  /** Adds `other`'s units in place (earliest exposure per unit), at the larger of the two levels. */
  absorb(other: UnitExposures): void {
    this.#level = Math.max(this.#level, other.#level);
    for (const [key, e] of other.#units) {
      const hash = other.#hashes.get(key) ?? 0;
      if (inSample(hash, this.#level)) this.#put(key, hash, e);
    }
    for (const [key, hash] of this.#hashes) {
      if (inSample(hash, this.#level)) continue;
      this.#hashes.delete(key);
      this.#units.delete(key);
    }
    this.#shrink();
  }

  /** A new object holding both. */
  merge(other: UnitExposures): UnitExposures {
    const out = UnitExposures.deserialize(this.serialize());
    out.absorb(other);
    return out;
  }

  /** Counts over the sample, for the SRM test. */
  counts(): ExposureCounts {
    let canary = 0;
    let expected = 0;
    let variance = 0;
    for (const e of this.#units.values()) {
      if (e.canary) canary++;
      expected += e.share;
      variance += e.share * (1 - e.share);
    }
    return { stable: this.#units.size - canary, canary, expected, variance, scale: 2 ** this.#level };
  }

  /** JSON-able form (canonical: sorted by key); {@link UnitExposures.deserialize} restores it exactly. */
  serialize(): UnitExposuresJson {
    const n = this.#units.size;
    const shares: number[] = [];
    const shareIndex = new Map<number, number>();
    let t0 = Number.POSITIVE_INFINITY;
    for (const e of this.#units.values()) t0 = Math.min(t0, e.timeMs);
    if (!Number.isFinite(t0)) t0 = 0;
    // Sorted by key: the same set serializes the same way whatever the order of adds and merges. Keys stay
    // numbers (53-bit integers, exact in JSON): formatting them as text costs far more than the sort.
    const keys = Float64Array.from(this.#units.keys()).sort();
    const k: number[] = new Array(n);
    const share: number[] = new Array(n);
    const dt: number[] = new Array(n);
    const arms: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const key = keys[i] as number;
      const e = this.#units.get(key) as Exposure;
      k[i] = key;
      arms[i] = e.canary ? '1' : '0';
      let s = shareIndex.get(e.share);
      if (s === undefined) {
        s = shares.length;
        shares.push(e.share);
        shareIndex.set(e.share, s);
      }
      share[i] = s;
      dt[i] = e.timeMs - t0;
    }
    return { v: 2, cap: this.cap, level: this.#level, t0, shares, k, arms: arms.join(''), share, dt };
  }

  /** Restores {@link UnitExposures.serialize}'s output (and the v1 form with base-36 keys). Throws on others. */
  static deserialize(json: UnitExposuresJson | UnitExposuresJsonV1): UnitExposures {
    if (json.v !== 1 && json.v !== 2) {
      throw new Error(`unsupported unit exposures form v=${String((json as { v: unknown }).v)}`);
    }
    const out = new UnitExposures(json.cap);
    out.#level = json.level;
    for (let i = 0; i < json.arms.length; i++) {
      const key =
        json.v === 2
          ? (json.k[i] as number)
          : Number.parseInt(json.keys.slice(i * KEY_WIDTH, (i + 1) * KEY_WIDTH), 36);
      out.#units.set(key, {
        canary: json.arms[i] === '1',
        share: json.shares[json.share[i] ?? 0] ?? 0,
        timeMs: json.t0 + (json.dt[i] ?? 0),
      });
      out.#hashes.set(key, Math.floor(key / TWO_POW_21));
    }
    return out;
  }
}

/** Whether exposure `a` comes before `b` (ties broken by arm then share, so merging is order-independent). */
function earlier(a: Exposure, b: Exposure): boolean {
  if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs;
  if (a.canary !== b.canary) return !a.canary;
  return a.share < b.share;
}
