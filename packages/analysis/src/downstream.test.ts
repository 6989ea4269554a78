import { describe, expect, it } from 'vitest';
import type { AnalysisConfig } from './analysis-config.js';
import { metricKey } from './analysis-config.js';
import { analyze } from './analyze.js';
import { ArmAggregate, type ArmAggregateJson, MAX_DOWNSTREAM_SERVICES } from './arm-aggregate.js';
import { binomial, mulberry32, normal, type Random } from './calibration/prng.js';
import {
  downstreamObservationOf,
  extractSpanObservation,
  MAX_SERVICE_NAME_LENGTH,
  UNKNOWN_SERVICE,
} from './extract-span-observation.js';
import { resolveMetric } from './metric-definition.js';
import type { SequentialState } from './sequential-state.js';
import { rateArm, span } from './test-spans.js';

const SVC = 'billing-parser';
const timing = { endTimeMs: 1_700_000_000_000, durationMs: 120, error: true };
const downstreamAttrs = {
  'feature_flag.key': 'support-prompts',
  'feature_flag.result.variant': '2.4.0',
  'promptcanary.downstream': true,
  'service.name': SVC,
  'gen_ai.usage.input_tokens': 50,
  'app.tool_call.correct': true,
};

describe('downstream spans: extraction', () => {
  it('marks a downstream span with its service and reads no usage, cost or custom attributes from it', () => {
    const obs = extractSpanObservation(downstreamAttrs, timing, {
      metricAttributes: ['app.tool_call.correct'],
    });
    expect(obs?.downstreamService).toBe(SVC);
    expect(obs?.splitAssigned).toBe(true);
    expect(obs?.inputTokens).toBeUndefined();
    expect(obs?.attributes).toEqual({});
    expect(obs === undefined ? undefined : downstreamObservationOf(obs)).toEqual({
      service: SVC,
      error: true,
      durationMs: 120,
    });
  });

  it('takes the service from the caller first, names a missing one, cuts a long one, accepts "true"', () => {
    const { 'service.name': _, ...noService } = downstreamAttrs;
    expect(extractSpanObservation(downstreamAttrs, { ...timing, service: 'other' })?.downstreamService).toBe(
      'other',
    );
    expect(extractSpanObservation(noService, timing)?.downstreamService).toBe(UNKNOWN_SERVICE);
    const long = extractSpanObservation({ ...downstreamAttrs, 'service.name': 'x'.repeat(5000) }, timing);
    expect(long?.downstreamService?.length).toBe(MAX_SERVICE_NAME_LENGTH);
    const asText = extractSpanObservation({ ...downstreamAttrs, 'promptcanary.downstream': 'true' }, timing);
    expect(asText?.downstreamService).toBe(SVC);
  });

  it("gives no downstream request for a downstream span's local child, nor for an app span", () => {
    const child = extractSpanObservation({ ...downstreamAttrs, 'feature_flag.inherited': true }, timing);
    expect(child?.inherited).toBe(true);
    expect(child === undefined ? 'none' : downstreamObservationOf(child)).toBeUndefined();
    const app = extractSpanObservation({ ...downstreamAttrs, 'promptcanary.downstream': false }, timing);
    expect(app?.downstreamService).toBeUndefined();
    expect(app?.inputTokens).toBe(50);
    expect(app === undefined ? 'none' : downstreamObservationOf(app)).toBeUndefined();
  });

  it('uses a unit from the trace join over none', () => {
    const obs = extractSpanObservation(downstreamAttrs, timing);
    expect(obs === undefined ? undefined : downstreamObservationOf(obs, 'u-1')?.unit).toBe('u-1');
  });
});

describe('downstream spans: the aggregate', () => {
  it('counts a downstream span under its service only, never as a request of the app', () => {
    const agg = new ArmAggregate();
    agg.addSpan(span({ downstreamService: SVC, error: true, durationMs: 300 }));
    agg.addSpan(span({ downstreamService: SVC, inherited: true, error: true }));
    agg.addSpan(span({ durationMs: 50 }));
    expect(agg.spans).toBe(1);
    expect(agg.errors).toBe(0);
    expect(agg.latency.count).toBe(1);
    const d = agg.downstream.get(SVC);
    expect(d?.requests).toBe(1);
    expect(d?.errors).toBe(1);
    expect(d?.latency.quantile(0.5)).toBeCloseTo(300, -1);
    expect(agg.units.columns.get(`d.n:${SVC}`)?.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('merges per service and round-trips through its JSON form', () => {
    const a = new ArmAggregate();
    const b = new ArmAggregate();
    a.addDownstream({ service: SVC, error: true, durationMs: 200, unit: 'u-1' });
    a.addDownstream({ service: 'search', error: false, durationMs: 20 });
    b.addDownstream({ service: SVC, error: false, durationMs: 400 }, 3);
    const merged = a.merge(b);
    expect(merged.downstream.get(SVC)).toMatchObject({ requests: 4, errors: 1, unitRequests: 1 });
    expect(merged.downstream.get('search')?.requests).toBe(1);
    const json = JSON.parse(JSON.stringify(merged.serialize())) as ArmAggregateJson;
    const back = ArmAggregate.deserialize(json);
    expect(back.serialize()).toEqual(merged.serialize());
    expect(back.downstream.get(SVC)?.latency.count).toBe(4);
    // The inputs are untouched by the merge.
    expect(a.downstream.get(SVC)?.requests).toBe(1);
  });

  it('decodes an aggregate stored before downstream counters existed', () => {
    const old = rateArm(10, 1).serialize();
    delete old.downstream;
    delete old.downstreamOverflow;
    const back = ArmAggregate.deserialize(old);
    expect(back.downstream.size).toBe(0);
    expect(back.downstreamOverflow).toBe(0);
    expect(back.spans).toBe(10);
    expect(back.serialize().downstream).toBeUndefined();
  });

  it(`tracks at most ${MAX_DOWNSTREAM_SERVICES} services and counts the rest, when adding and when merging`, () => {
    const a = new ArmAggregate();
    for (let i = 0; i < MAX_DOWNSTREAM_SERVICES + 8; i++) {
      a.addDownstream({ service: `svc-${i}`, error: false, durationMs: 10 }, 2);
    }
    expect(a.downstream.size).toBe(MAX_DOWNSTREAM_SERVICES);
    expect(a.downstreamOverflow).toBe(16);
    const b = new ArmAggregate();
    b.addDownstream({ service: 'svc-0', error: true, durationMs: 10 });
    b.addDownstream({ service: 'late', error: true, durationMs: 10 }, 5);
    const merged = a.merge(b);
    expect(merged.downstream.size).toBe(MAX_DOWNSTREAM_SERVICES);
    expect(merged.downstream.has('late')).toBe(false);
    expect(merged.downstream.get('svc-0')?.errors).toBe(1);
    expect(merged.downstreamOverflow).toBe(21);
    expect([...merged.units.columns.keys()].some((k) => k.endsWith(':late'))).toBe(false);
    expect(ArmAggregate.deserialize(merged.serialize()).downstreamOverflow).toBe(21);
  });
});

describe('downstream metrics', () => {
  it('are keyed by service and refuse a missing or misplaced service', () => {
    expect(metricKey({ name: 'downstream_error_rate', service: SVC })).toBe(`downstream_error_rate:${SVC}`);
    expect(resolveMetric({ name: 'downstream_latency_p99', service: SVC })).toMatchObject({
      name: `downstream_latency_p99:${SVC}`,
      unit: 'ms',
      direction: 'lower',
    });
    expect(() => resolveMetric({ name: 'downstream_error_rate' })).toThrow(/service/);
    expect(() => resolveMetric({ name: 'error_rate', service: SVC })).toThrow(/service applies/);
  });

  it("show in the arms for every service with data, beside the app's own metrics", () => {
    const canary = rateArm(200, 0);
    canary.addDownstream({ service: SVC, error: true, durationMs: 900 }, 10);
    canary.addDownstream({ service: SVC, error: false, durationMs: 100 }, 90);
    const out = analyze({
      config: { metrics: [{ name: 'success_rate', threshold: 0.9 }] },
      window: { canary },
      lastInterval: { canary },
    });
    expect(out.arms.canary.n).toBe(200);
    expect(out.arms.canary.metrics.success_rate).toBe(1);
    expect(out.arms.canary.metrics[`downstream_error_rate:${SVC}`]).toBeCloseTo(0.1, 12);
    expect(out.arms.canary.metrics[`downstream_latency_p99:${SVC}`]).toBeGreaterThan(850);
  });

  it('cluster their variance by unit when the trace join gave one, and say request-level otherwise', () => {
    const random = mulberry32(5);
    const joined = new ArmAggregate();
    const loose = new ArmAggregate();
    // 400 sessions of 8 requests; a session either fails often (a hard prompt) or rarely.
    for (let u = 0; u < 400; u++) {
      const p = random() < 0.2 ? 0.4 : 0.02;
      for (let i = 0; i < 8; i++) {
        const error = random() < p;
        joined.addDownstream({ service: SVC, error, durationMs: 50, unit: `unit-${u}` });
        loose.addDownstream({ service: SVC, error, durationMs: 50 });
      }
    }
    const metric = resolveMetric({ name: 'downstream_error_rate', service: SVC });
    const a = metric.read(joined);
    const b = metric.read(loose);
    expect(a?.unitShare).toBe(1);
    expect(a?.designEffect).toBeGreaterThan(1.5);
    expect(b?.unitShare).toBe(0);
    expect(b?.designEffect).toBeLessThan(1.3);
    expect(b?.units).toBe(0);
  });

  it('gate the canary with hard limits on the error rate and on p99', () => {
    const config: AnalysisConfig = {
      metrics: [
        { name: 'downstream_error_rate', service: SVC, threshold: 0.02, compare: false },
        { name: 'downstream_latency_p99', service: SVC, threshold: 800, compare: false },
        { name: 'success_rate', threshold: 0.9, compare: false },
      ],
    };
    const canary = rateArm(500, 0, 200);
    canary.addDownstream({ service: SVC, error: true, durationMs: 1500 }, 50);
    canary.addDownstream({ service: SVC, error: false, durationMs: 100 }, 450);
    const out = analyze({ config, window: { canary }, lastInterval: { canary } });
    expect(out.checks.map((c) => `${c.metric}:${c.kind}:${c.result}`)).toEqual([
      `downstream_error_rate:${SVC}:threshold:Fail`,
      `downstream_latency_p99:${SVC}:threshold:Fail`,
      'success_rate:threshold:Pass',
    ]);
    const healthy = rateArm(500, 0, 200);
    healthy.addDownstream({ service: SVC, error: false, durationMs: 100 }, 500);
    const ok = analyze({ config, window: { canary: healthy }, lastInterval: { canary: healthy } });
    expect(ok.checks.map((c) => c.result)).toEqual(['Pass', 'Pass', 'Pass']);
    // No downstream data at all: inconclusive, never a pass.
    const none = rateArm(500, 0, 200);
    const missing = analyze({ config, window: { canary: none }, lastInterval: { canary: none } });
    expect(missing.checks[0]?.result).toBe('Inconclusive');
  });
});

/**
 * Runs `looks` looks of a simulated rollout: `fill` adds one look's traffic to the arms, then the analysis looks with
 * the sequential state carried over. Returns the first look at which `check` (by metric) failed, or -1.
 */
function firstFailingLook(
  metric: string,
  looks: number,
  fill: (arms: { stable: ArmAggregate; canary: ArmAggregate }) => void,
  onCheck?: (check: ReturnType<typeof analyze>['checks'][number] | undefined) => void,
): number {
  const [name, service] = metric.split(':');
  const config: AnalysisConfig = { metrics: [{ name: name ?? metric, service }] };
  const arms = { stable: new ArmAggregate(), canary: new ArmAggregate() };
  let state: SequentialState | undefined;
  for (let look = 0; look < looks; look++) {
    fill(arms);
    const out = analyze({
      config,
      window: arms,
      lastInterval: arms,
      cumulative: arms,
      ...(state === undefined ? {} : { state }),
    });
    state = out.state;
    const check = out.checks.find((c) => c.metric === metric);
    onCheck?.(check);
    if (check?.result === 'Fail') return look;
  }
  return -1;
}

/**
 * One simulated rollout: every look adds `perLook` downstream requests split 80/20, with error rates `pStable` and
 * `pCanary`, and runs the default regression test of `downstream_error_rate:<svc>`. Returns the look at which it
 * failed, or -1.
 */
function simulate(random: Random, pStable: number, pCanary: number, looks: number, perLook = 250): number {
  return firstFailingLook(
    `downstream_error_rate:${SVC}`,
    looks,
    (arms) => {
      for (const [agg, n, p] of [
        [arms.stable, Math.round(perLook * 0.8), pStable],
        [arms.canary, Math.round(perLook * 0.2), pCanary],
      ] as const) {
        // The app's own requests are healthy and equal in both arms.
        agg.addSpan(span({ durationMs: 100 }), n);
        const errors = binomial(random, n, p);
        for (let i = 0; i < n; i++) {
          agg.addDownstream({ service: SVC, error: i < errors, durationMs: 50 });
        }
      }
    },
    (check) => expect(check?.kind).toBe('regression'),
  );
}

describe('downstream_error_rate regression test (simulated)', () => {
  it('fails on a real regression of the downstream service (1% → 6%) in most rollouts', () => {
    const random = mulberry32(17);
    const runs = 40;
    let caught = 0;
    for (let r = 0; r < runs; r++) if (simulate(random, 0.01, 0.06, 20) >= 0) caught++;
    expect(caught / runs).toBeGreaterThanOrEqual(0.9);
  });

  it('false-fails rarely on equal traffic (A/A, 200 rollouts of 20 looks, α = 0.05)', () => {
    const random = mulberry32(2026);
    const runs = 200;
    let failed = 0;
    for (let r = 0; r < runs; r++) if (simulate(random, 0.02, 0.02, 20) >= 0) failed++;
    // α is 5%: allow sampling noise of the 200 runs (binomial sd ≈ 1.5 points) on top.
    expect(failed / runs).toBeLessThanOrEqual(0.09);
  });
});

/**
 * A/A rollouts of sessions whose errors stick to the session (one in ten fails 30% of its requests, the rest 1%;
 * 8 requests each, 50 sessions per look split 80/20): whether the downstream check keeps its level depends on the
 * share of downstream requests the trace join could give a unit.
 */
function correlatedAa(random: Random, joinShare: number, looks = 20): boolean {
  let id = 0;
  const fill = (arms: { stable: ArmAggregate; canary: ArmAggregate }) => {
    for (const [arm, sessions] of [
      ['stable', 40],
      ['canary', 10],
    ] as const) {
      for (let u = 0; u < sessions; u++) {
        const unit = `session-${id++}`;
        const p = random() < 0.1 ? 0.3 : 0.01;
        for (let t = 0; t < 8; t++) {
          const error = random() < p;
          arms[arm].addDownstream({
            service: SVC,
            error,
            durationMs: 50,
            ...(random() < joinShare ? { unit } : {}),
          });
        }
      }
    }
  };
  return firstFailingLook(`downstream_error_rate:${SVC}`, looks, fill) >= 0;
}

describe('downstream_error_rate on correlated sessions (simulated)', () => {
  it('keeps its level when the trace join gives every downstream request its unit (A/A, 200 rollouts)', () => {
    const random = mulberry32(99);
    const runs = 200;
    let failed = 0;
    for (let r = 0; r < runs; r++) if (correlatedAa(random, 1)) failed++;
    // α is 5%; the binomial noise of 200 runs is about 1.5 points.
    expect(failed / runs).toBeLessThanOrEqual(0.09);
  });
});

/** One rollout of log-normal downstream latencies (canary shifted by `shift` in ln ms); whether p99's test failed. */
function latencyRollout(random: Random, shift: number, looks = 20): boolean {
  const fill = (arms: { stable: ArmAggregate; canary: ArmAggregate }) => {
    for (const [arm, n] of [
      ['stable', 200],
      ['canary', 50],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const durationMs = Math.exp(5.5 + 0.5 * normal(random) + (arm === 'canary' ? shift : 0));
        arms[arm].addDownstream({ service: SVC, error: false, durationMs });
      }
    }
  };
  return firstFailingLook(`downstream_latency_p99:${SVC}`, looks, fill) >= 0;
}

describe('downstream_latency_p99 regression test (simulated)', () => {
  it('fails a downstream service 35% slower on the canary in most rollouts, and rarely on equal traffic', () => {
    const random = mulberry32(7);
    let aa = 0;
    let caught = 0;
    const runs = 100;
    for (let r = 0; r < runs; r++) {
      if (latencyRollout(random, 0)) aa++;
      if (latencyRollout(random, 0.3)) caught++;
    }
    expect(caught / runs).toBeGreaterThanOrEqual(0.9);
    // α is 5%: room for the noise of 100 runs.
    expect(aa / runs).toBeLessThanOrEqual(0.1);
  });
});
