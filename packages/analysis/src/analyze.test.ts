import { describe, expect, it } from 'vitest';
import type { AnalysisConfig } from './analysis-config.js';
import { analyze, sequentialKind } from './analyze.js';
import { rateArm, span } from './test-spans.js';

const config: AnalysisConfig = {
  metrics: [
    { name: 'success_rate', threshold: 0.9, comparison: '>=' },
    { name: 'latency_p99', threshold: 3000, comparison: '<=' },
    { name: 'tokens_per_request', maxIncrease: 0.5 },
    {
      name: 'tool_call_accuracy',
      from: { attribute: 'app.tool_call.correct', aggregate: 'rate' },
      direction: 'higher',
      compare: false,
    },
  ],
};

describe('analyze', () => {
  const stable = rateArm(3700, 222, 1000);
  const canary = rateArm(412, 80, 1000);
  canary.addSpan(span({ inputTokens: 800, attributes: { 'app.tool_call.correct': true } }), 120);
  stable.addSpan(span({ inputTokens: 800, attributes: { 'app.tool_call.correct': true } }), 120);

  it('answers in the API shape: arms with every metric that has data, checks, srm and the next state', () => {
    const out = analyze({
      config,
      window: { stable, canary },
      lastInterval: { stable, canary },
      cumulative: { stable, canary },
      srm: [{ stable: 3700, canary: 412, expectedShare: 0.1 }],
      versions: { stable: '2.3.1', canary: '2.4.0' },
    });
    expect(out.arms.canary.version).toBe('2.4.0');
    expect(out.arms.canary.n).toBe(532);
    expect(Object.keys(out.arms.canary.metrics)).toEqual([
      'success_rate',
      'error_rate',
      'latency_p50',
      'latency_p95',
      'latency_p99',
      'latency_avg',
      'tokens_per_request',
      'tool_call_accuracy',
    ]);
    expect(out.checks.map((c) => `${c.metric}:${c.kind}:${c.result}`)).toEqual([
      'success_rate:threshold:Fail',
      'success_rate:regression:Fail',
      'latency_p99:threshold:Pass',
      'latency_p99:regression:Pass',
      'tokens_per_request:relative:Pass',
    ]);
    expect(out.srm.result).toBe('Pass');
    expect(Object.keys(out.state.checks)).toEqual([
      'success_rate:regression',
      'latency_p99:regression',
      'tokens_per_request:relative',
    ]);
    expect(out.state.srm?.looks).toBe(1);
  });

  it('splits α across the sequential checks (Bonferroni)', () => {
    const out = analyze({
      config,
      window: { canary },
      lastInterval: { canary },
      cumulative: { stable, canary },
    });
    for (const check of out.checks.filter((c) => c.kind !== 'threshold'))
      expect(check.alpha).toBeCloseTo(0.05 / 3, 12);
  });

  it('runs only hard limits without a stable arm and reports SRM n/a in segment phases', () => {
    const out = analyze({ config, window: { canary }, lastInterval: { canary }, srm: 'n/a' });
    expect(out.checks.every((c) => c.kind === 'threshold')).toBe(true);
    expect(out.srm.result).toBe('n/a');
    expect(out.arms.stable).toEqual({ n: 0, metrics: {} });
  });

  it('carries the sequential state from look to look', () => {
    const first = analyze({
      config,
      window: { canary },
      lastInterval: { canary },
      cumulative: { stable, canary },
    });
    const second = analyze({
      config,
      window: { canary },
      lastInterval: { canary },
      cumulative: { stable, canary },
      state: first.state,
    });
    expect(second.state.checks['success_rate:regression']?.looks).toBe(2);
    expect(first.state.checks['success_rate:regression']?.looks).toBe(1);
  });

  it('gives a metric its tolerance check, else the regression test unless compare is false', () => {
    expect(sequentialKind({ name: 'x', maxDecrease: 0.02 })).toBe('relative');
    expect(sequentialKind({ name: 'x', threshold: 1 })).toBe('regression');
    expect(sequentialKind({ name: 'x', threshold: 1, compare: false })).toBeUndefined();
  });
});

describe('analyze: hard limits on the widened last interval', () => {
  it('widens back within the step until the canary holds the minimum samples, and says so', () => {
    const minute = 60_000;
    const stepSlices = Array.from({ length: 5 }, (_, i) => ({
      start: i * minute,
      stable: rateArm(400, 20),
      canary: rateArm(40, 2),
    }));
    const look = analyze({
      config: { metrics: [{ name: 'success_rate', threshold: 0.9 }] },
      window: { canary: rateArm(200, 10) },
      stepSlices,
      intervalMs: minute,
      nowMs: 5 * minute,
    });
    const check = look.checks[0];
    expect(check?.result).toBe('Pass');
    expect(check?.n.canary).toBe(120);
    expect(check?.window).toEqual({ from: 2 * minute, to: 5 * minute });
    expect(check?.reason).toContain('last 3 min, widened within the step to reach 100 samples');
  });

  it('is Inconclusive over the whole step when even that is below the minimum', () => {
    const look = analyze({
      config: { metrics: [{ name: 'success_rate', threshold: 0.9 }] },
      window: { canary: rateArm(80, 0) },
      stepSlices: [
        { start: 0, canary: rateArm(40, 0) },
        { start: 60_000, canary: rateArm(40, 0) },
      ],
      intervalMs: 60_000,
      nowMs: 120_000,
    });
    expect(look.checks[0]?.result).toBe('Inconclusive');
    expect(look.checks[0]?.reason).toContain('the whole step (2 min)');
  });
});
