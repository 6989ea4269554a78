import { describe, expect, it } from 'vitest';
import { ArmAggregate } from './arm-aggregate.js';
import { mulberry32, normal } from './calibration/prng.js';
import { resolveMetric } from './metric-definition.js';
import { span } from './test-spans.js';
import { CLUSTER_BUCKETS, designEffect, UnitClusters } from './unit-clusters.js';
import { unitHash } from './unit-hash.js';

/** `units` sessions of `turns` requests each; per-session random effect on log-latency with correlation `rho`. */
function sessions(units: number, turns: number, rho: number, seed: number, tag = 'u'): ArmAggregate {
  const random = mulberry32(seed);
  const agg = new ArmAggregate();
  for (let u = 0; u < units; u++) {
    const effect = Math.sqrt(rho) * normal(random);
    for (let t = 0; t < turns; t++) {
      const z = effect + Math.sqrt(1 - rho) * normal(random);
      agg.addSpan(span({ unit: `${tag}${u}`, durationMs: 1000 * Math.exp(0.3 * z), error: random() < 0.06 }));
    }
  }
  return agg;
}

describe('unitHash', () => {
  it('spreads sequential ids evenly over the cluster buckets', () => {
    const counts = new Array<number>(CLUSTER_BUCKETS).fill(0);
    const n = 64_000;
    for (let i = 0; i < n; i++)
      counts[unitHash(`session-${i}`) >>> 25] = (counts[unitHash(`session-${i}`) >>> 25] ?? 0) + 1;
    const e = n / CLUSTER_BUCKETS;
    const chi2 = counts.reduce((sum, c) => sum + (c - e) ** 2 / e, 0);
    // 127 degrees of freedom: the 99.9th percentile is about 181.
    expect(chi2).toBeLessThan(181);
  });
});

describe('cluster-robust variance', () => {
  it('finds the design effect 1 + (m − 1)·ρ of correlated sessions', () => {
    // 6 turns, ρ = 0.3 on log-latency: design effect 1 + 5·0.3 = 2.5.
    const agg = sessions(3000, 6, 0.3, 7);
    const log = resolveMetric({ name: 'latency_p99' }).read(agg);
    expect(log?.type).toBe('quantile');
    if (log?.type !== 'quantile') return;
    expect(log.log?.designEffect).toBeGreaterThan(2.0);
    expect(log.log?.designEffect).toBeLessThan(3.0);
    expect(log.unitShare).toBe(1);
    expect(log.units).toBeGreaterThan(3000 * 0.75);
    expect(log.units).toBeLessThan(3000 * 1.25);
  });

  it('stays at 1 for independent requests, with or without units', () => {
    const withUnits = sessions(6000, 1, 0, 8);
    const success = resolveMetric({ name: 'success_rate' }).read(withUnits);
    expect(success?.designEffect).toBeLessThan(1.3);
    const noUnits = new ArmAggregate();
    const random = mulberry32(9);
    for (let i = 0; i < 6000; i++) noUnits.addSpan(span({ error: random() < 0.06 }));
    const rate = resolveMetric({ name: 'success_rate' }).read(noUnits);
    expect(rate?.designEffect).toBeLessThan(1.3);
    expect(rate?.unitShare).toBe(0);
    expect(rate?.units).toBe(0);
  });

  it('is 1 without spread and the whole count when everything is one cluster', () => {
    expect(designEffect([2, 2], [1, 1], 0)).toBe(1);
    expect(designEffect([10], [5], 0.25)).toBe(10);
  });
});

describe('UnitClusters persistence and merging', () => {
  it('round-trips exactly through JSON', () => {
    const agg = sessions(200, 3, 0.1, 11);
    agg.addFeedback({ flagKey: 'f', variant: 'v', name: 'thumbs_up', timeMs: 0, unit: 'u1' });
    agg.addScore({ flagKey: 'f', variant: 'v', name: 'judge', value: 0.7, timeMs: 0 });
    agg.addUsage({ unit: 'u2', tokens: 900, outputTokens: 300, cost: 0.002 });
    const json = JSON.parse(JSON.stringify(agg.serialize()));
    const again = ArmAggregate.deserialize(json);
    expect(again.serialize()).toEqual(agg.serialize());
    expect(again.units.distinctUnits()).toBe(agg.units.distinctUnits());
  });

  it('adds slices exactly: merged columns equal the columns of all the data', () => {
    const a = sessions(300, 4, 0.2, 12, 'a');
    const b = sessions(300, 4, 0.2, 13, 'b');
    const both = new ArmAggregate();
    both.absorb(a);
    both.absorb(b);
    const n = both.units.n.reduce((s, x) => s + x, 0);
    expect(n).toBe(a.spans + b.spans);
    const ga = a.units.g.reduce((s, x) => s + x, 0);
    const gb = b.units.g.reduce((s, x) => s + x, 0);
    expect(both.units.g.reduce((s, x) => s + x, 0)).toBe(ga + gb);
    expect(both.units.distinctUnits()).toBeGreaterThanOrEqual(
      Math.max(a.units.distinctUnits(), b.units.distinctUnits()),
    );
  });

  it('reads aggregates persisted before units as request-level', () => {
    const old = sessions(100, 3, 0.5, 14).serialize();
    delete old.units;
    const agg = ArmAggregate.deserialize(old);
    const rate = resolveMetric({ name: 'success_rate' }).read(agg);
    expect(rate?.designEffect).toBe(1);
    expect(rate?.unitShare).toBe(0);
    expect(UnitClusters.deserialize({ ...sessions(1, 1, 0, 1).units.serialize(), b: 64 })).toBeUndefined();
  });
});
