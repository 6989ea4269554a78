import { describe, expect, it } from 'vitest';
import { type EventAggregate, metricKey } from './analysis-config.js';
import { ArmAggregate } from './arm-aggregate.js';
import { BUILT_IN_METRICS, resolveMetric, sampleValue } from './metric-definition.js';
import { span } from './test-spans.js';

describe('metric directions', () => {
  it('gives every built-in its fixed direction, feedback and evals higher-is-better', () => {
    const higher = BUILT_IN_METRICS.filter((name) => resolveMetric({ name }).direction === 'higher');
    expect(higher.sort()).toEqual(['eval_pass_rate', 'satisfaction', 'success_rate', 'thumbs_up_rate']);
  });

  it('ignores a direction written on a built-in', () => {
    expect(resolveMetric({ name: 'error_rate', direction: 'higher' }).direction).toBe('lower');
  });

  it('takes a custom metric’s stated direction and never guesses one from its name', () => {
    const from = { attribute: 'app.refund', aggregate: 'rate' } as const;
    expect(resolveMetric({ name: 'refund_rate', from, direction: 'lower' }).direction).toBe('lower');
    expect(resolveMetric({ name: 'error_budget', from, direction: 'higher' }).direction).toBe('higher');
    expect(() => resolveMetric({ name: 'refund_rate', from })).toThrow(/needs a direction/);
  });

  it('keys a per-evaluator series as eval_pass_rate:<evaluator>', () => {
    expect(metricKey({ name: 'eval_pass_rate', evaluator: 'tone' })).toBe('eval_pass_rate:tone');
    expect(metricKey({ name: 'success_rate' })).toBe('success_rate');
  });
});

describe('tracking-event values', () => {
  const arm = (lengths: number[], spans: number, units: string[]) => {
    const agg = new ArmAggregate();
    for (let i = 0; i < spans; i++) agg.addSpan(span({ unit: units[i % units.length] }));
    lengths.forEach((value, i) => {
      agg.addFeedback({
        flagKey: 'f',
        variant: 'v',
        name: 'session_length',
        value,
        timeMs: 0,
        unit: units[i % units.length],
      });
    });
    return ArmAggregate.deserialize(agg.serialize());
  };
  const metric = (aggregate: EventAggregate) =>
    resolveMetric({ name: 'session', from: { event: 'session_length', aggregate }, direction: 'lower' });

  it('reads the values of session_length events, not their count per request (600 and 900 are not 0.2)', () => {
    const agg = arm([600, 900], 10, ['u1', 'u2']);
    expect(sampleValue(metric('mean').read(agg)!)).toBe(750);
    expect(sampleValue(metric('p50').read(agg)!)).toBeCloseTo(600, -1);
    expect(sampleValue(metric('per_request').read(agg)!)).toBeCloseTo(0.2, 10);
    expect(sampleValue(metric('per_unit').read(agg)!)).toBeCloseTo(1, 10);
  });

  it('keeps event values through merges and the JSON round trip', () => {
    const merged = ArmAggregate.mergeAll([arm([100], 1, ['a']), arm([300, 500], 2, ['b'])]);
    expect(merged.eventValues.get('session_length')?.count).toBe(3);
    expect(sampleValue(metric('p50').read(ArmAggregate.deserialize(merged.serialize()))!)).toBeCloseTo(
      300,
      -1,
    );
  });
});

describe('scores per evaluator and custom pass marks', () => {
  const scored = (values: Array<[string, number]>) => {
    const agg = new ArmAggregate();
    for (const [name, value] of values) agg.addScore({ flagKey: 'f', variant: 'v', name, value, timeMs: 0 });
    return ArmAggregate.deserialize(agg.serialize());
  };
  const agg = scored([
    ['tone', 0.9],
    ['tone', 0.7],
    ['tone', 0.6],
    ['tone', 0.2],
    ['facts', 0],
    ['facts', 0],
  ]);

  it('keeps each evaluator its own eval_pass_rate series, keyed eval_pass_rate:<evaluator>', () => {
    const tone = resolveMetric({ name: 'eval_pass_rate', evaluator: 'tone' });
    expect(tone.name).toBe('eval_pass_rate:tone');
    expect(sampleValue(tone.read(agg)!)).toBe(0.75);
    expect(sampleValue(resolveMetric({ name: 'eval_pass_rate', evaluator: 'facts' }).read(agg)!)).toBe(0);
    expect(sampleValue(resolveMetric({ name: 'eval_pass_rate' }).read(agg)!)).toBe(0.5);
  });

  it('reads a custom pass mark as a rate of the score, values at the mark passing for >=', () => {
    const strict = (comparison: '>=' | '>' | '<=' | '<') =>
      resolveMetric({
        name: 'tone_strict',
        from: { score: 'tone', pass: { comparison, value: 0.7 } },
        direction: 'higher',
      });
    expect(strict('>=').isRate).toBe(true);
    expect(sampleValue(strict('>=').read(agg)!)).toBe(0.5);
    expect(sampleValue(strict('>').read(agg)!)).toBe(0.25);
    expect(sampleValue(strict('<').read(agg)!)).toBe(0.5);
    expect(strict('>=').read(scored([['facts', 1]]))).toBeUndefined();
  });
});
