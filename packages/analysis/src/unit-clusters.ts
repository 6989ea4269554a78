import { unitHash } from './unit-hash.js';

/**
 * Cluster buckets per aggregate. Every request of a unit lands in the bucket `unitHash(unit) >>> 25`, so the
 * between-bucket spread of the per-bucket sums carries the intra-unit correlation (batch means over units). 128
 * gives the variance estimate 127 degrees of freedom once the arm has that many units, at 1 KB per column.
 */
export const CLUSTER_BUCKETS = 128;
const BUCKET_SHIFT = 25;
/** HyperLogLog registers for the distinct-unit estimate (±9% standard error). */
const HLL_REGISTERS = 128;
const HLL_INDEX_BITS = 7;

/** One per-bucket column: a count or a sum per cluster bucket. */
export type ClusterColumn = Float64Array;

/** JSON-able form of {@link UnitClusters}. Columns are plain number arrays of length {@link CLUSTER_BUCKETS}. */
export interface UnitClustersJson {
  b: number;
  /** Spans that carried a unit. */
  us: number;
  /** Feedback events and scores that carried a unit, and all of them. */
  ue: number;
  ev: number;
  /** Round-robin position for spans without a unit (each becomes its own one-request cluster). */
  rr: number;
  /** HyperLogLog registers, one base-36 digit each. */
  h: string;
  c: Record<string, number[]>;
}

/** The built-in per-bucket columns (custom ones are keyed `a.n:`/`a.s:` for attributes, `f.*`, `s.*`). */
export type BuiltInColumn = 'n' | 'e' | 'l' | 'g' | 'tn' | 'ts' | 'on' | 'os' | 'cn' | 'cs';

/** Log-latency is summed in thousandths (integers), latency in whole ms: the table only feeds variances. */
export const LOG_LATENCY_SCALE = 1000;

function column(): ClusterColumn {
  return new Float64Array(CLUSTER_BUCKETS);
}

/**
 * The per-unit side of an {@link ArmAggregate}: per-bucket counts and sums of each metric's values over
 * {@link CLUSTER_BUCKETS} hash buckets of units, a HyperLogLog of the units seen, and how many spans carried a
 * unit. Bounded (a few KB whatever the number of units), mergeable by adding columns (registers by max), and
 * exactly JSON round-trippable. Spans without a unit are dealt round robin over the buckets: each is its own
 * cluster, i.e. request-level, as before.
 */
export class UnitClusters {
  /** Columns by key (see {@link BuiltInColumn}); the span columns `n`, `e`, `l`, `g` are also fields. */
  readonly columns = new Map<string, ClusterColumn>();
  /** Requests per bucket. */
  readonly n: ClusterColumn;
  /** Errors per bucket. */
  readonly e: ClusterColumn;
  /** Latency per bucket (whole ms). */
  readonly l: ClusterColumn;
  /** ln(latency) per bucket, in thousandths ({@link LOG_LATENCY_SCALE}). */
  readonly g: ClusterColumn;
  /** Requests reporting tokens, and their tokens, per bucket (created on first use, like the other columns). */
  tn: ClusterColumn | undefined;
  ts: ClusterColumn | undefined;
  /** Output tokens: requests reporting them and their sum. */
  on: ClusterColumn | undefined;
  os: ClusterColumn | undefined;
  /** Spans that carried a unit. */
  unitSpans = 0;
  /** Events and scores that carried a unit. */
  unitEvents = 0;
  /** Events and scores added. */
  events = 0;
  /** Next bucket for a request without a unit. */
  roundRobin = 0;
  /** HyperLogLog registers. */
  readonly registers = new Uint8Array(HLL_REGISTERS);

  constructor() {
    this.n = this.col('n');
    this.e = this.col('e');
    this.l = this.col('l');
    this.g = this.col('g');
  }

  /** The column `key`, created (zeros) when missing. */
  col(key: string): ClusterColumn {
    let c = this.columns.get(key);
    if (c === undefined) {
      c = column();
      this.columns.set(key, c);
    }
    return c;
  }

  /**
   * The bucket of a span (`unit` given: its hash bucket, and the unit is counted) or of a unit-less span (round
   * robin). Call once per span.
   */
  spanBucket(unit: string | undefined, weight: number): number {
    if (unit === undefined) {
      const b = this.roundRobin;
      this.roundRobin = (b + 1) % CLUSTER_BUCKETS;
      return b;
    }
    this.unitSpans += weight;
    const h = unitHash(unit);
    const reg = h & (HLL_REGISTERS - 1);
    const rank = Math.clz32(h >>> HLL_INDEX_BITS) - HLL_INDEX_BITS + 1;
    if (rank > (this.registers[reg] ?? 0)) this.registers[reg] = rank;
    return h >>> BUCKET_SHIFT;
  }

  /** The bucket of a feedback event or score (hash bucket with a unit, round robin without). */
  eventBucket(unit: string | undefined): number {
    this.events += 1;
    if (unit === undefined) {
      const b = this.roundRobin;
      this.roundRobin = (b + 1) % CLUSTER_BUCKETS;
      return b;
    }
    this.unitEvents += 1;
    return unitHash(unit) >>> BUCKET_SHIFT;
  }

  /**
   * The bucket of a value that is neither an app span nor an event (a downstream service's request): its unit's
   * hash bucket, or round robin without one. Counts nothing.
   */
  bucket(unit: string | undefined): number {
    if (unit !== undefined) return unitHash(unit) >>> BUCKET_SHIFT;
    const b = this.roundRobin;
    this.roundRobin = (b + 1) % CLUSTER_BUCKETS;
    return b;
  }

  /** Estimated distinct units (HyperLogLog with linear counting below 2.5·m); 0 when none carried a unit. */
  distinctUnits(): number {
    if (this.unitSpans === 0) return 0;
    let zeros = 0;
    let sum = 0;
    for (const r of this.registers) {
      if (r === 0) zeros++;
      sum += 2 ** -r;
    }
    const m = HLL_REGISTERS;
    const estimate = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    if (estimate <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(estimate);
  }

  /** Adds `other` in place: columns add, registers take the max. */
  absorb(other: UnitClusters): void {
    this.unitSpans += other.unitSpans;
    this.unitEvents += other.unitEvents;
    this.events += other.events;
    this.roundRobin = (this.roundRobin + other.roundRobin) % CLUSTER_BUCKETS;
    for (const [key, theirs] of other.columns) {
      const mine = this.col(key);
      for (let b = 0; b < CLUSTER_BUCKETS; b++) mine[b] = (mine[b] ?? 0) + (theirs[b] ?? 0);
    }
    this.tn = this.columns.get('tn');
    this.ts = this.columns.get('ts');
    this.on = this.columns.get('on');
    this.os = this.columns.get('os');
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = other.registers[i] ?? 0;
      if (r > (this.registers[i] ?? 0)) this.registers[i] = r;
    }
  }

  /** JSON-able form; {@link UnitClusters.deserialize} restores it exactly. */
  serialize(): UnitClustersJson {
    const c: Record<string, number[]> = {};
    for (const [key, col] of this.columns) {
      // Trailing zeros are left out (sparse slices at low traffic), and so are empty columns.
      let end = CLUSTER_BUCKETS;
      while (end > 0 && col[end - 1] === 0) end--;
      if (end === 0) continue;
      const values = new Array<number>(end);
      for (let b = 0; b < end; b++) values[b] = col[b] ?? 0;
      c[key] = values;
    }
    let h = '';
    for (const r of this.registers) h += r.toString(36);
    return {
      b: CLUSTER_BUCKETS,
      us: this.unitSpans,
      ue: this.unitEvents,
      ev: this.events,
      rr: this.roundRobin,
      h,
      c,
    };
  }

  /** Restores {@link UnitClusters.serialize}'s output; `undefined` for another bucket count (then request-level). */
  static deserialize(json: UnitClustersJson): UnitClusters | undefined {
    if (json.b !== CLUSTER_BUCKETS || json.h.length !== HLL_REGISTERS) return undefined;
    const out = new UnitClusters();
    out.unitSpans = json.us;
    out.unitEvents = json.ue;
    out.events = json.ev;
    out.roundRobin = json.rr;
    for (let i = 0; i < HLL_REGISTERS; i++) out.registers[i] = Number.parseInt(json.h[i] ?? '0', 36);
    for (const [key, values] of Object.entries(json.c)) {
      const col = out.col(key);
      col.set(values.slice(0, CLUSTER_BUCKETS));
    }
    out.tn = out.columns.get('tn');
    out.ts = out.columns.get('ts');
    out.on = out.columns.get('on');
    out.os = out.columns.get('os');
    return out;
  }
}

/** Cluster-robust spread of a ratio estimator over the buckets (see {@link designEffect}). */
export interface ClusterSpread {
  /** Σ c_b: values covered by the table. */
  count: number;
  /** Non-empty buckets (clusters). */
  clusters: number;
  /** Cluster-robust variance of Σ s_b / Σ c_b: k/(k − 1) · Σ (s_b − μ·c_b)² / C². */
  variance: number;
}

/** The cluster-robust (delta-method) variance of μ̂ = Σ s_b / Σ c_b over the buckets. */
export function clusterSpread(c: ArrayLike<number>, s: ArrayLike<number>): ClusterSpread {
  let count = 0;
  let sum = 0;
  let clusters = 0;
  for (let b = 0; b < c.length; b++) {
    const cb = c[b] ?? 0;
    count += cb;
    sum += s[b] ?? 0;
    if (cb > 0) clusters++;
  }
  if (count <= 0 || clusters < 2) return { count, clusters, variance: Number.NaN };
  const mean = sum / count;
  let ss = 0;
  for (let b = 0; b < c.length; b++) {
    const r = (s[b] ?? 0) - mean * (c[b] ?? 0);
    ss += r * r;
  }
  return { count, clusters, variance: ((clusters / (clusters - 1)) * ss) / (count * count) };
}

/** z of a two-sided 1% test, where the tests of this package decide. */
const Z_DECISION = 2.5758;

/**
 * (t/z)² for ν degrees of freedom at {@link Z_DECISION} (Cornish–Fisher expansion of Student's t quantile): how
 * much a variance estimated from ν + 1 clusters must be widened so that a normal test on it keeps its level. 1.59
 * at 10 clusters, 1.23 at 20, 1.03 at 128.
 */
export function smallClusterFactor(nu: number): number {
  if (!(nu >= 1)) return Number.POSITIVE_INFINITY;
  const z = Z_DECISION;
  const t = z + (z ** 3 + z) / (4 * nu) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * nu * nu);
  return (t / z) ** 2;
}

/**
 * Design effect of a mean over requests: the cluster-robust variance from the bucket sums, widened for few clusters
 * ({@link smallClusterFactor}), divided by the request-level one (`perRequestVariance / C`), floored at 1 (a negative intra-unit correlation is not credited,
 * and it keeps the estimate's own noise from shrinking a variance below the independent-request one). With fewer
 * than two clusters it is C (all requests may be one unit); without spread or data, 1.
 */
export function designEffect(
  c: ArrayLike<number> | undefined,
  s: ArrayLike<number> | undefined,
  perRequestVariance: number,
  scale = 1,
): number {
  if (c === undefined || s === undefined || !(perRequestVariance > 0)) return 1;
  const spread = clusterSpread(c, s);
  if (spread.count <= 0) return 1;
  if (spread.clusters < 2) return Math.max(1, spread.count);
  const naive = perRequestVariance / spread.count;
  const robust = (spread.variance / (scale * scale)) * smallClusterFactor(spread.clusters - 1);
  return Math.max(1, robust / naive);
}
