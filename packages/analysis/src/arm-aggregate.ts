import { addToMoments, emptyMoments, type Moments, mergeMoments } from './moments.js';
import type {
  DownstreamObservation,
  FeedbackObservation,
  ScoreObservation,
  SpanObservation,
} from './observation.js';
import { QuantileSketch, type QuantileSketchJson } from './quantile-sketch.js';
import { CLUSTER_BUCKETS, LOG_LATENCY_SCALE, UnitClusters, type UnitClustersJson } from './unit-clusters.js';

/** Per-attribute aggregate for custom metrics: moments always, a sketch for numeric values. */
export interface AttributeAggregate {
  moments: Moments;
  sketch?: QuantileSketch;
}

/** Per-score-name aggregate: moments of the values and how many passed (value ≥ 0.5). */
export interface ScoreAggregate {
  moments: Moments;
  passed: number;
}

/**
 * One downstream service's requests in an arm: counts, errors, a latency sketch, and how many requests carried a
 * unit (joined to their trace's app span). Its per-unit columns live in the aggregate's {@link UnitClusters} under
 * `d.n:<service>` (requests), `d.e:<service>` (errors) and `d.g:<service>` (ln latency, thousandths).
 */
export interface DownstreamAggregate {
  requests: number;
  errors: number;
  latency: QuantileSketch;
  /** Moments of ln(duration in ms), the tail test's design-effect proxy and the log-latency test's data. */
  logLatency: Moments;
  /** Requests that carried a unit. */
  unitRequests: number;
}

/** JSON-able form of a {@link DownstreamAggregate}. */
export interface DownstreamAggregateJson {
  n: number;
  e: number;
  l: QuantileSketchJson;
  g: Moments;
  u: number;
}

/**
 * Distinct downstream services tracked per aggregate: requests of further services are only counted
 * (`downstreamOverflow`), so a stream of made-up service names cannot grow an aggregate without bound. A service
 * costs about 3 KB in memory (three per-unit columns of {@link CLUSTER_BUCKETS} numbers, a sketch): 16 of them add
 * at most about 50 KB to a slice.
 */
export const MAX_DOWNSTREAM_SERVICES = 16;

/** JSON-able form of an {@link ArmAggregate}. */
export interface ArmAggregateJson {
  v: 1;
  spans: number;
  errors: number;
  latency: QuantileSketchJson;
  latencyMoments: Moments;
  logLatency: Moments;
  tokens: Moments;
  outputTokens: Moments;
  cost: Moments;
  attributes: Record<string, { moments: Moments; sketch?: QuantileSketchJson }>;
  feedback: Record<string, Moments>;
  scores: Record<string, ScoreAggregate>;
  /** Sketches of tracking events' values, for events sent with one; absent in aggregates written before them. */
  eventValues?: Record<string, QuantileSketchJson>;
  /** Sketches of scores' values by name (custom pass marks); absent in aggregates written before them. */
  scoreValues?: Record<string, QuantileSketchJson>;
  /** Per-unit cluster buckets; absent in aggregates written before units were read (request-level then). */
  units?: UnitClustersJson;
  /** Downstream services' requests by `service.name`; absent when none (and in aggregates written before them). */
  downstream?: Record<string, DownstreamAggregateJson>;
  /** Downstream requests of services beyond {@link MAX_DOWNSTREAM_SERVICES}; absent when none. */
  downstreamOverflow?: number;
}

/** Per-trace usage (tokens, cost) summed over a trace's spans, added once per request. */
export interface UsageObservation {
  /** The assignment unit, when known. */
  unit?: string;
  /** Input + output tokens. */
  tokens?: number;
  outputTokens?: number;
  cost?: number;
}

/** A score at or above this value counts as a pass for `eval_pass_rate` (0/1 verdicts and 0..1 judge scores). */
export const SCORE_PASS_VALUE = 0.5;

/** Adds `v` to bucket `b` of column `key`. */
function bump(u: UnitClusters, key: string, b: number, v: number): void {
  const c = u.col(key);
  c[b] = (c[b] ?? 0) + v;
}

/** Latencies are floored here before taking logs, so a 0 ms span does not produce −∞. */
const MIN_LOG_LATENCY_MS = 1e-3;

/**
 * Everything the checks need about one arm (stable or canary) in one time slice, in mergeable form: counts, sums,
 * sums of squares and quantile sketches. Memory is bounded by the number of configured attributes and event names,
 * never by the number of spans. Merging slices (across time or replicas) adds counts and sums exactly.
 *
 * `add*` mutate in place (the ingest hot path); {@link ArmAggregate.merge} returns a new aggregate.
 *
 * @example
 * ```ts
 * const slice = new ArmAggregate();
 * slice.addSpan(observation);
 * const json = slice.serialize(); // persist
 * const total = ArmAggregate.deserialize(json).merge(otherSlice);
 * ```
 */
export class ArmAggregate {
  /** Spans seen (the request count). */
  spans = 0;
  /** Spans with status ERROR. */
  errors = 0;
  /** Durations in ms. */
  latency = new QuantileSketch();
  /** Moments of the durations in ms (for `latency_avg`). */
  latencyMoments = emptyMoments();
  /** Moments of ln(duration in ms), for a log-latency mean comparison. */
  logLatency = emptyMoments();
  /** Input + output tokens, over spans that report tokens. */
  tokens = emptyMoments();
  /** Output tokens, over spans that report them. */
  outputTokens = emptyMoments();
  /** Cost per request, over spans with a cost. */
  cost = emptyMoments();
  /** Custom metric attributes by name. */
  attributes = new Map<string, AttributeAggregate>();
  /** Tracking events by name; the moments hold each event's value (1 when it has none). */
  feedback = new Map<string, Moments>();
  /** Late scores by name. */
  scores = new Map<string, ScoreAggregate>();
  /** The values of tracking events sent with one, by event name (percentiles of custom event metrics). */
  eventValues = new Map<string, QuantileSketch>();
  /** The values of scores by name, for pass marks other than {@link SCORE_PASS_VALUE}. */
  scoreValues = new Map<string, QuantileSketch>();
  /**
   * Per-unit cluster buckets behind the cluster-robust variances (ADR 0005). Counts only what was added through
   * `addSpan`/`addUsage`/`addFeedback`/`addScore`; data added to the moments directly stays request-level.
   */
  units = new UnitClusters();
  /** Downstream services' requests by `service.name` (at most {@link MAX_DOWNSTREAM_SERVICES}). */
  downstream = new Map<string, DownstreamAggregate>();
  /** Downstream requests not tracked because {@link MAX_DOWNSTREAM_SERVICES} services were already. */
  downstreamOverflow = 0;

  /**
   * Adds one downstream service's request (or `weight` identical ones): counted under its service only, never as
   * a request of the app. A request with `unit` joins its unit's cluster bucket; without one it is its own cluster.
   */
  addDownstream(obs: DownstreamObservation, weight = 1): void {
    const d = this.#downstreamOf(obs.service);
    if (d === undefined) {
      this.downstreamOverflow += weight;
      return;
    }
    d.requests += weight;
    if (obs.error) d.errors += weight;
    if (obs.unit !== undefined) d.unitRequests += weight;
    const ms = obs.durationMs;
    const validDuration = Number.isFinite(ms) && ms >= 0;
    const logD = validDuration ? Math.log(Math.max(ms, MIN_LOG_LATENCY_MS)) : 0;
    if (validDuration) {
      d.latency.add(ms, weight);
      addToMoments(d.logLatency, logD, weight);
    }
    const u = this.units;
    const add = (b: number, w: number): void => {
      bump(u, `d.n:${obs.service}`, b, w);
      if (obs.error) bump(u, `d.e:${obs.service}`, b, w);
      if (validDuration) bump(u, `d.g:${obs.service}`, b, w * Math.round(logD * LOG_LATENCY_SCALE));
    };
    if (weight === 1 || obs.unit !== undefined) {
      add(u.bucket(obs.unit), weight);
      return;
    }
    // As for app spans: identical unit-less requests spread evenly, adding no between-bucket spread.
    for (let b = 0; b < CLUSTER_BUCKETS; b++) add(b, weight / CLUSTER_BUCKETS);
  }

  /** The service's entry, created while fewer than the cap are tracked; `undefined` past the cap. */
  #downstreamOf(service: string): DownstreamAggregate | undefined {
    let d = this.downstream.get(service);
    if (d === undefined) {
      if (this.downstream.size >= MAX_DOWNSTREAM_SERVICES) return undefined;
      d = {
        requests: 0,
        errors: 0,
        latency: new QuantileSketch(),
        logLatency: emptyMoments(),
        unitRequests: 0,
      };
      this.downstream.set(service, d);
    }
    return d;
  }

  /**
   * Adds one span (or `weight` identical ones, which simulations use). A span with `unit` joins its unit's cluster
   * bucket; without one it is its own cluster (request-level).
   */
  addSpan(obs: SpanObservation, weight = 1): void {
    if (obs.downstreamService !== undefined) {
      // A downstream service's span is its service's request (its local children are part of it), not the app's.
      if (obs.inherited !== true) {
        const d: DownstreamObservation = {
          service: obs.downstreamService,
          error: obs.error,
          durationMs: obs.durationMs,
        };
        if (obs.unit !== undefined) d.unit = obs.unit;
        this.addDownstream(d, weight);
      }
      return;
    }
    this.spans += weight;
    if (obs.error) this.errors += weight;
    const d = obs.durationMs;
    const validDuration = Number.isFinite(d) && d >= 0;
    const logD = validDuration ? Math.log(Math.max(d, MIN_LOG_LATENCY_MS)) : 0;
    if (validDuration) {
      this.latency.add(d, weight);
      addToMoments(this.latencyMoments, d, weight);
      addToMoments(this.logLatency, logD, weight);
    }
    const hasTokens = obs.inputTokens !== undefined || obs.outputTokens !== undefined;
    const tokens = (obs.inputTokens ?? 0) + (obs.outputTokens ?? 0);
    if (hasTokens) addToMoments(this.tokens, tokens, weight);
    if (obs.outputTokens !== undefined) addToMoments(this.outputTokens, obs.outputTokens, weight);
    if (obs.cost !== undefined) addToMoments(this.cost, obs.cost, weight);
    for (const name in obs.attributes) {
      const value = obs.attributes[name];
      if (value === undefined) continue;
      let agg = this.attributes.get(name);
      if (agg === undefined) {
        agg = { moments: emptyMoments() };
        this.attributes.set(name, agg);
      }
      if (typeof value === 'boolean') {
        addToMoments(agg.moments, value ? 1 : 0, weight);
      } else {
        addToMoments(agg.moments, value, weight);
        agg.sketch ??= new QuantileSketch();
        agg.sketch.add(value, weight);
      }
    }
    const u = this.units;
    if (weight === 1 || obs.unit !== undefined) {
      this.#cluster(u.spanBucket(obs.unit, weight), weight, obs, validDuration, logD, hasTokens, tokens);
      return;
    }
    // `weight` identical unit-less requests (simulations): independent and alike, so spread evenly (fractions)
    // over the buckets; they add nothing to the between-bucket spread, and the design effect's floor of 1 keeps
    // their variance request-level.
    const share = weight / CLUSTER_BUCKETS;
    for (let b = 0; b < CLUSTER_BUCKETS; b++)
      this.#cluster(b, share, obs, validDuration, logD, hasTokens, tokens);
  }

  #cluster(
    b: number,
    w: number,
    obs: SpanObservation,
    validDuration: boolean,
    logD: number,
    hasTokens: boolean,
    tokens: number,
  ): void {
    const u = this.units;
    u.n[b] = (u.n[b] ?? 0) + w;
    if (obs.error) u.e[b] = (u.e[b] ?? 0) + w;
    if (validDuration) {
      // A span without a valid duration counts in `n` but adds 0 here: rare, and only the variance reads this.
      u.l[b] = (u.l[b] ?? 0) + w * Math.round(obs.durationMs);
      u.g[b] = (u.g[b] ?? 0) + w * Math.round(logD * LOG_LATENCY_SCALE);
    }
    if (hasTokens) this.#clusterUsage(b, w, tokens, obs.outputTokens, obs.cost);
    else if (obs.cost !== undefined) this.#clusterUsage(b, w, undefined, undefined, obs.cost);
    for (const name in obs.attributes) {
      const value = obs.attributes[name];
      if (value === undefined) continue;
      bump(u, `a.n:${name}`, b, w);
      bump(u, `a.s:${name}`, b, w * (typeof value === 'boolean' ? (value ? 1 : 0) : value));
    }
  }

  #clusterUsage(
    b: number,
    w: number,
    tokens: number | undefined,
    outputTokens: number | undefined,
    cost: number | undefined,
  ): void {
    const u = this.units;
    if (tokens !== undefined) {
      u.tn ??= u.col('tn');
      u.ts ??= u.col('ts');
      u.tn[b] = (u.tn[b] ?? 0) + w;
      u.ts[b] = (u.ts[b] ?? 0) + w * tokens;
    }
    if (outputTokens !== undefined) {
      u.on ??= u.col('on');
      u.os ??= u.col('os');
      u.on[b] = (u.on[b] ?? 0) + w;
      u.os[b] = (u.os[b] ?? 0) + w * outputTokens;
    }
    if (cost !== undefined) {
      bump(u, 'cn', b, w);
      bump(u, 'cs', b, w * cost);
    }
  }

  /**
   * Adds one request's usage summed over its trace (what the daemon does when a trace's spans report tokens
   * separately): the moments and the unit's cluster bucket. Use it instead of adding to `tokens`/`cost` directly,
   * so the token and cost comparisons get cluster-robust variances.
   */
  addUsage(usage: UsageObservation): void {
    const { tokens, outputTokens, cost } = usage;
    if (tokens === undefined && outputTokens === undefined && cost === undefined) return;
    if (tokens !== undefined) addToMoments(this.tokens, tokens);
    if (outputTokens !== undefined) addToMoments(this.outputTokens, outputTokens);
    if (cost !== undefined) addToMoments(this.cost, cost);
    this.#clusterUsage(this.units.eventBucket(usage.unit), 1, tokens, outputTokens, cost);
    // Usage is not an event: undo the event count eventBucket made.
    this.units.events -= 1;
    if (usage.unit !== undefined) this.units.unitEvents -= 1;
  }

  /** Adds one tracking event. */
  addFeedback(obs: FeedbackObservation): void {
    let m = this.feedback.get(obs.name);
    if (m === undefined) {
      m = emptyMoments();
      this.feedback.set(obs.name, m);
    }
    addToMoments(m, obs.value ?? 1);
    if (obs.value !== undefined) {
      let sketch = this.eventValues.get(obs.name);
      if (sketch === undefined) {
        sketch = new QuantileSketch();
        this.eventValues.set(obs.name, sketch);
      }
      sketch.add(obs.value);
    }
    const b = this.units.eventBucket(obs.unit);
    bump(this.units, `f.n:${obs.name}`, b, 1);
    bump(this.units, `f.s:${obs.name}`, b, obs.value ?? 1);
  }

  /** Adds one late score. */
  addScore(obs: ScoreObservation): void {
    let s = this.scores.get(obs.name);
    if (s === undefined) {
      s = { moments: emptyMoments(), passed: 0 };
      this.scores.set(obs.name, s);
    }
    addToMoments(s.moments, obs.value);
    if (obs.value >= SCORE_PASS_VALUE) s.passed += 1;
    let values = this.scoreValues.get(obs.name);
    if (values === undefined) {
      values = new QuantileSketch();
      this.scoreValues.set(obs.name, values);
    }
    values.add(obs.value);
    const b = this.units.eventBucket(obs.unit);
    bump(this.units, `s.n:${obs.name}`, b, 1);
    bump(this.units, `s.s:${obs.name}`, b, obs.value);
    if (obs.value >= SCORE_PASS_VALUE) bump(this.units, `s.p:${obs.name}`, b, 1);
  }

  /** A new aggregate holding this one and `other` (exact for counts and sums; sketches merge bin by bin). */
  merge(other: ArmAggregate): ArmAggregate {
    const out = this.clone();
    out.absorb(other);
    return out;
  }

  /** Adds `other` into this aggregate in place (what {@link ArmAggregate.merge} does on a copy). */
  absorb(other: ArmAggregate): void {
    this.units.absorb(other.units);
    this.downstreamOverflow += other.downstreamOverflow;
    for (const [service, theirs] of other.downstream) {
      const mine = this.#downstreamOf(service);
      if (mine === undefined) {
        // Past the cap: counted only, and its per-unit columns (just added above) dropped.
        this.downstreamOverflow += theirs.requests;
        for (const column of ['d.n:', 'd.e:', 'd.g:']) this.units.columns.delete(`${column}${service}`);
        continue;
      }
      mine.requests += theirs.requests;
      mine.errors += theirs.errors;
      mine.unitRequests += theirs.unitRequests;
      mine.latency.merge(theirs.latency);
      mine.logLatency = mergeMoments(mine.logLatency, theirs.logLatency);
    }
    this.spans += other.spans;
    this.errors += other.errors;
    this.latency.merge(other.latency);
    this.latencyMoments = mergeMoments(this.latencyMoments, other.latencyMoments);
    this.logLatency = mergeMoments(this.logLatency, other.logLatency);
    this.tokens = mergeMoments(this.tokens, other.tokens);
    this.outputTokens = mergeMoments(this.outputTokens, other.outputTokens);
    this.cost = mergeMoments(this.cost, other.cost);
    for (const [name, agg] of other.attributes) {
      const mine = this.attributes.get(name);
      if (mine === undefined) {
        const copy: AttributeAggregate = { moments: { ...agg.moments } };
        if (agg.sketch !== undefined) copy.sketch = agg.sketch.clone();
        this.attributes.set(name, copy);
        continue;
      }
      mine.moments = mergeMoments(mine.moments, agg.moments);
      if (agg.sketch !== undefined) {
        mine.sketch ??= new QuantileSketch();
        mine.sketch.merge(agg.sketch);
      }
    }
    for (const [name, m] of other.feedback) {
      this.feedback.set(name, mergeMoments(this.feedback.get(name) ?? emptyMoments(), m));
    }
    for (const [name, sketch] of other.eventValues) {
      const mine = this.eventValues.get(name);
      if (mine === undefined) this.eventValues.set(name, sketch.clone());
      else mine.merge(sketch);
    }
    for (const [name, sketch] of other.scoreValues) {
      const mine = this.scoreValues.get(name);
      if (mine === undefined) this.scoreValues.set(name, sketch.clone());
      else mine.merge(sketch);
    }
    for (const [name, s] of other.scores) {
      const mine = this.scores.get(name) ?? { moments: emptyMoments(), passed: 0 };
      this.scores.set(name, {
        moments: mergeMoments(mine.moments, s.moments),
        passed: mine.passed + s.passed,
      });
    }
  }

  /** A deep copy. */
  clone(): ArmAggregate {
    return ArmAggregate.deserialize(this.serialize());
  }

  /** JSON-able form for persistence; {@link ArmAggregate.deserialize} restores it exactly. */
  serialize(): ArmAggregateJson {
    const attributes: ArmAggregateJson['attributes'] = {};
    for (const [name, agg] of this.attributes) {
      attributes[name] =
        agg.sketch === undefined
          ? { moments: { ...agg.moments } }
          : { moments: { ...agg.moments }, sketch: agg.sketch.serialize() };
    }
    const feedback: ArmAggregateJson['feedback'] = {};
    for (const [name, m] of this.feedback) feedback[name] = { ...m };
    const scores: ArmAggregateJson['scores'] = {};
    for (const [name, s] of this.scores) scores[name] = { moments: { ...s.moments }, passed: s.passed };
    const eventValues: Record<string, QuantileSketchJson> = {};
    for (const [name, sketch] of this.eventValues) eventValues[name] = sketch.serialize();
    const scoreValues: Record<string, QuantileSketchJson> = {};
    for (const [name, sketch] of this.scoreValues) scoreValues[name] = sketch.serialize();
    const downstream: Record<string, DownstreamAggregateJson> = {};
    for (const [service, d] of this.downstream) {
      downstream[service] = {
        n: d.requests,
        e: d.errors,
        l: d.latency.serialize(),
        g: { ...d.logLatency },
        u: d.unitRequests,
      };
    }
    return {
      v: 1,
      spans: this.spans,
      errors: this.errors,
      latency: this.latency.serialize(),
      latencyMoments: { ...this.latencyMoments },
      logLatency: { ...this.logLatency },
      tokens: { ...this.tokens },
      outputTokens: { ...this.outputTokens },
      cost: { ...this.cost },
      attributes,
      feedback,
      scores,
      ...(this.eventValues.size === 0 ? {} : { eventValues }),
      ...(this.scoreValues.size === 0 ? {} : { scoreValues }),
      units: this.units.serialize(),
      ...(this.downstream.size === 0 ? {} : { downstream }),
      ...(this.downstreamOverflow === 0 ? {} : { downstreamOverflow: this.downstreamOverflow }),
    };
  }

  /** Restores an aggregate from {@link ArmAggregate.serialize}'s output. Throws on an unknown form. */
  static deserialize(json: ArmAggregateJson): ArmAggregate {
    if (json.v !== 1) throw new Error(`unsupported aggregate form v=${String(json.v)}`);
    const out = new ArmAggregate();
    out.spans = json.spans;
    out.errors = json.errors;
    out.latency = QuantileSketch.deserialize(json.latency);
    out.latencyMoments = { ...json.latencyMoments };
    out.logLatency = { ...json.logLatency };
    out.tokens = { ...json.tokens };
    out.outputTokens = { ...json.outputTokens };
    out.cost = { ...json.cost };
    for (const [name, a] of Object.entries(json.attributes)) {
      const agg: AttributeAggregate = { moments: { ...a.moments } };
      if (a.sketch !== undefined) agg.sketch = QuantileSketch.deserialize(a.sketch);
      out.attributes.set(name, agg);
    }
    for (const [name, m] of Object.entries(json.feedback)) out.feedback.set(name, { ...m });
    for (const [name, s] of Object.entries(json.scores)) {
      out.scores.set(name, { moments: { ...s.moments }, passed: s.passed });
    }
    for (const [name, sketch] of Object.entries(json.eventValues ?? {})) {
      out.eventValues.set(name, QuantileSketch.deserialize(sketch));
    }
    for (const [name, sketch] of Object.entries(json.scoreValues ?? {})) {
      out.scoreValues.set(name, QuantileSketch.deserialize(sketch));
    }
    const units = json.units === undefined ? undefined : UnitClusters.deserialize(json.units);
    if (units !== undefined) out.units = units;
    for (const [service, d] of Object.entries(json.downstream ?? {})) {
      // A stored aggregate is read as written; the cap only guards what it grows to from here on.
      out.downstream.set(service, {
        requests: d.n,
        errors: d.e,
        latency: QuantileSketch.deserialize(d.l),
        logLatency: { ...d.g },
        unitRequests: d.u,
      });
    }
    out.downstreamOverflow = json.downstreamOverflow ?? 0;
    return out;
  }

  /** Merges any number of aggregates (an empty list gives an empty aggregate). */
  static mergeAll(aggregates: Iterable<ArmAggregate>): ArmAggregate {
    const out = new ArmAggregate();
    for (const a of aggregates) out.absorb(a);
    return out;
  }
}
